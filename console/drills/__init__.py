"""Tabletop drills: scenario files, a runner on a simulated clock, the scorecard.

The pure part (format, answer key, scoring) is console.model.drill; this package
loads files, runs a drill through the service API and renders the scorecard.
"""
