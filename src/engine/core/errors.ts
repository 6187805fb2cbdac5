/**
 * An error caused by the user's input (a file, a flag, a setting). Its message
 * says what is wrong and what to do; the CLI prints it as one line and the
 * studio shows it, instead of a stack trace.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
