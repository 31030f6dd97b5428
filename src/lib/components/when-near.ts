/**
 * Run `show` once, when `el` comes within a screen's height of the viewport. Heavy parts of a lesson
 * page (the code editor, the charts) load this way, so that a phone reads the prose first and
 * spends no main-thread time on what is far below it. Returns a function that cancels the watch.
 */
export function whenNear(el: Element, show: () => void): () => void {
  if (typeof IntersectionObserver === 'undefined') {
    show();
    return () => undefined;
  }
  const observer = new IntersectionObserver(
    (entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        observer.disconnect();
        show();
      }
    },
    { rootMargin: '100% 0px' }
  );
  observer.observe(el);
  return () => observer.disconnect();
}
