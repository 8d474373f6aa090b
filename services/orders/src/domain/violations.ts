import { invalidArgument, type FieldViolation } from '@shop/kit';

/** Violations collects field violations, so a request is answered with every problem at once. */
export class Violations {
  readonly list: FieldViolation[] = [];

  add(field: string, description: string): void {
    this.list.push({ field, description });
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  /** throwIfAny throws INVALID_ARGUMENT (VALIDATION_FAILED) listing every violation, if there is one. */
  throwIfAny(): void {
    if (!this.empty) throw invalidArgument(this.list);
  }
}
