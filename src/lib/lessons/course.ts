/**
 * The course map's parts, and the lessons still to come. A written lesson is known by its folder
 * alone (number from `lessons/NN-slug/`, title and part from its README's frontmatter); the list
 * below is the only place outside lessons/ that names a lesson, and an entry leaves it when its
 * folder arrives (the build fails while a number is both).
 */
export interface PartInfo {
  id: string;
  title: string;
  survey: string;
}

export const parts: PartInfo[] = [
  { id: 'A', title: 'Foundations', survey: 'the baseline' },
  { id: 'B', title: 'Efficient full attention', survey: '§4' },
  { id: 'C', title: 'Sparse sequence modelling', survey: '§3' },
  { id: 'D', title: 'Linear sequence modelling', survey: '§2' },
  { id: 'E', title: 'Sparse Mixture-of-Experts', survey: '§5' },
  { id: 'F', title: 'Hybrid architectures', survey: '§6' },
  { id: 'G', title: 'Diffusion LLMs', survey: '§7' },
  { id: 'H', title: 'Other modalities', survey: '§8' }
];

export interface ComingLesson {
  number: number;
  title: string;
  part: string;
}

export const coming: ComingLesson[] = [];
