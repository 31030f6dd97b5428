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

/**
 * A saved copy in the lesson's current files: as it is when its names are the starter's; with the
 * starter's new files added when the lesson has gained files since it was saved (a new backend's
 * kernel); null when it holds a file the lesson no longer has (another version of the lesson).
 */
function fitToStarter(saved: Record<string, string>, starter: Record<string, string>): Record<string, string> | null {
  if (!Object.keys(saved).every((name) => name in starter)) return null;
  return { ...starter, ...saved };
}

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
    // A copy with a file the lesson no longer has belongs to another version of it: the starter wins.
    const files = saved.value ? fitToStarter(saved.value.files, this.starter) : null;
    if (saved.value && files) {
      this.files = files;
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
    const files = previous.value ? fitToStarter(previous.value, this.starter) : null;
    if (files) this.#set(files);
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
