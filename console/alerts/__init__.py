"""Alerts in (Alertmanager, Grafana) and acknowledgements back (PagerDuty): receivers,
routing into incidents, and the acks that flow into the escalation checklist."""
