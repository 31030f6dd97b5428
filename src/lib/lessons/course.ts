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
  /** The same in Korean (terms: docs/glossary.ko.md). */
  ko: { title: string; survey: string };
}

export const parts: PartInfo[] = [
  { id: 'A', title: 'Foundations', survey: 'the baseline', ko: { title: '기초', survey: '기준선' } },
  { id: 'B', title: 'Efficient full attention', survey: '§4', ko: { title: '효율적인 전체 어텐션', survey: '§4' } },
  { id: 'C', title: 'Sparse sequence modelling', survey: '§3', ko: { title: '희소 시퀀스 모델링', survey: '§3' } },
  { id: 'D', title: 'Linear sequence modelling', survey: '§2', ko: { title: '선형 시퀀스 모델링', survey: '§2' } },
  { id: 'E', title: 'Sparse Mixture-of-Experts', survey: '§5', ko: { title: '희소 전문가 혼합 (MoE)', survey: '§5' } },
  { id: 'F', title: 'Hybrid architectures', survey: '§6', ko: { title: '하이브리드 아키텍처', survey: '§6' } },
  { id: 'G', title: 'Diffusion LLMs', survey: '§7', ko: { title: '확산 LLM', survey: '§7' } },
  { id: 'H', title: 'Other modalities', survey: '§8', ko: { title: '다른 모달리티', survey: '§8' } }
];

/** A part's title and survey section in `lang`. */
export const partText = (p: PartInfo, lang: string) => (lang === 'ko' ? p.ko : { title: p.title, survey: p.survey });

export interface ComingLesson {
  number: number;
  title: string;
  part: string;
}

export const coming: ComingLesson[] = [];
