"""Tabletop drills, the pure part: the scenario and its file format (scenario, parse),
the model's answer key and the autopilot's plans (answers), and the scorecard against
the maturity model (scoring). The drill event kinds and their fold live in
console/model/events.py and console/model/folds/drill.py.

No I/O here: a scenario is (text, filename); a run is a list of events.
"""
