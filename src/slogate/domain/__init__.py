"""Pure domain logic: SLO model, criteria, evaluation and scoring (standard library only)."""
