/**
 * The learner's files for one lesson (or the playground): what the editor shows, autosaved in
 * this browser as it is typed, with one level of undo for Reset and Show solution. Saved state
 * that does not parse is set aside by the store; the lesson then starts from its starter and
 * `notices` says so.
 */
import { type Progress, fingerprint, progress as defaultProgress } from '$lib/storage/progress';

export interface StorageNotice {
  /** Which saved entry could not be read. */
  kind: 'code' | 'undo';
  /** Where it was moved (null when it could not be copied aside). */
  key: string | null;
}

const sameNames = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).sort().join('\u0000') === Object.keys(b).sort().join('\u0000');

export class LessonFiles {
  files = $state<Record<string, string>>({});
  /** The file shown in the editor. */
  active = $state('');
  /** Bumps when the files are replaced from outside the editor (it reloads them). */
  revision = $state(0);
  /** Bumps on every change, typed or replaced: a result computed at one version is stale at another. */
  version = $state(0);
  /** The saved copy was based on an older starter. */
  outdated = $state(false);
  canUndo = $state(false);
  notices = $state<StorageNotice[]>([]);
  readonly #starterPrint: string;

  constructor(
    private readonly id: string,
    private readonly starter: Record<string, string>,
    focus: string,
    private readonly store: Progress = defaultProgress
  ) {
    this.files = { ...starter };
    this.active = focus;
    this.#starterPrint = fingerprint(starter);
  }

  /** Restore what this browser saved (browser only: call from onMount). */
  load(): void {
    const saved = this.store.loadCode(this.id);
    if (saved.invalid) this.notices.push({ kind: 'code', key: saved.quarantined });
    // A copy with other file names belongs to another version of the lesson: the starter wins.
    if (saved.value && sameNames(saved.value.files, this.starter)) {
      this.files = saved.value.files;
      this.outdated = saved.value.starter !== this.#starterPrint;
      this.revision++;
      this.version++;
    }
    const undo = this.store.loadUndo(this.id);
    if (undo.invalid) this.notices.push({ kind: 'undo', key: undo.quarantined });
    this.canUndo = undo.value !== null;
  }

  /** A change typed in the editor. */
  edit(file: string, text: string): void {
    if (this.files[file] === text) return;
    this.files[file] = text;
    this.version++;
    this.#save();
  }

  /** Replace every file (Reset, Show solution), keeping the current ones for Undo. */
  replace(next: Record<string, string>): void {
    this.store.saveUndo(this.id, $state.snapshot(this.files));
    this.canUndo = true;
    this.#set(next);
    this.outdated = false;
  }

  reset(): void {
    this.replace(this.starter);
  }

  undo(): void {
    const previous = this.store.loadUndo(this.id);
    this.store.clearUndo(this.id);
    this.canUndo = false;
    if (previous.invalid) this.notices.push({ kind: 'undo', key: previous.quarantined });
    if (previous.value && sameNames(previous.value, this.starter)) this.#set(previous.value);
  }

  snapshot(): Record<string, string> {
    return $state.snapshot(this.files);
  }

  #set(next: Record<string, string>): void {
    this.files = { ...next };
    this.revision++;
    this.version++;
    this.#save();
  }

  #save(): void {
    this.store.saveCode(this.id, $state.snapshot(this.files), this.#starterPrint);
  }
}
