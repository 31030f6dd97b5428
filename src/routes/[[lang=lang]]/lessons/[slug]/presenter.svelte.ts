/**
 * Presenter mode for a projector: the lesson's prose one section (an h2 and what follows it) at a
 * time, at large type, with keys to step through it; the share QR code one key away. Leaving it
 * shows every section again and returns to where the page was scrolled.
 *
 * Keys (ignored while typing in the editor or a field): → / PageDown / n next section,
 * ← / PageUp / p previous, q share link and QR code, Esc leave.
 */
/**
 * Marks an element of another section. Not the `hidden` attribute: KaTeX's display math sets its
 * own `display`, which would override it; app.css hides this one with !important.
 */
const HIDDEN = 'data-presenter-hidden';

export class Presenter {
  on = $state(false);
  index = $state(0);
  count = $state(0);
  #sections: Element[][] = [];
  #scroll = 0;

  constructor(
    private readonly body: () => HTMLElement | undefined,
    private readonly toggleShare: () => void
  ) {}

  toggle(): void {
    if (this.on) this.leave();
    else this.enter();
  }

  enter(): void {
    const body = this.body();
    if (!body) return;
    this.#scroll = window.scrollY;
    // Sections start at each h2; what comes before the first one is the introduction.
    const sections: Element[][] = [[]];
    for (const el of Array.from(body.children)) {
      if (el.tagName === 'H2' && sections[sections.length - 1].length > 0) sections.push([]);
      sections[sections.length - 1].push(el);
    }
    this.#sections = sections.filter((s) => s.length > 0);
    this.count = this.#sections.length;
    this.on = true;
    this.show(0);
  }

  leave(): void {
    for (const section of this.#sections) for (const el of section) el.removeAttribute(HIDDEN);
    this.on = false;
    const y = this.#scroll;
    requestAnimationFrame(() => window.scrollTo(0, y));
  }

  go(step: number): void {
    this.show(Math.min(this.count - 1, Math.max(0, this.index + step)));
  }

  show(index: number): void {
    this.index = index;
    this.#sections.forEach((section, i) => {
      for (const el of section) el.toggleAttribute(HIDDEN, i !== index);
    });
    window.scrollTo(0, 0);
  }

  key(e: KeyboardEvent): void {
    if (!this.on || e.altKey || e.ctrlKey || e.metaKey) return;
    const target = e.target as HTMLElement | null;
    if (target?.closest('input, textarea, select, [contenteditable], .monaco-editor')) return;
    const actions: Record<string, () => void> = {
      ArrowRight: () => this.go(1),
      PageDown: () => this.go(1),
      n: () => this.go(1),
      ArrowLeft: () => this.go(-1),
      PageUp: () => this.go(-1),
      p: () => this.go(-1),
      q: () => this.toggleShare(),
      Escape: () => this.leave()
    };
    const action = actions[e.key];
    if (action) {
      e.preventDefault();
      action();
    }
  }
}
