/** Where a problem sits in an input file (1-based line and column). */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export function formatPos(pos: SourcePos): string {
  return `${pos.file}:${pos.line}:${pos.col}`;
}

/** Bad input from the user: the CLI prints it and exits 2, having created nothing. */
export class InputError extends Error {
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly pos?: SourcePos,
  ) {
    super(pos ? `${formatPos(pos)}: ${message}` : message);
    this.name = 'InputError';
  }
}

/** Several input errors found in one pass: users fix a file faster when they see them all. */
export class InputErrors extends InputError {
  constructor(readonly errors: InputError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'InputErrors';
  }
}

/** Something failed while running (a daemon died, a deadline passed): exit 1. */
export class RuntimeFailure extends Error {
  readonly exitCode = 1;
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'RuntimeFailure';
  }
}
