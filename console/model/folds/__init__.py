"""How each event kind changes an incident: the fold handlers the catalogue
(console/model/events.py) names, one module per concern."""
