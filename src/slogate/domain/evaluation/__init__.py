"""The quality gate's pure core: SLO model and parser, criteria, scoring, comparison, lighthouse, lint."""
