"""Learning from history: metrics, maturity assessment, patterns, predictive escalation,
history export/import and the postmortem draft. Definitions live in
console/model/metrics.py; this package runs them over a store in SQL."""
