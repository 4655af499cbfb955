"""One result model (model.py) and the renderers that show it: rich terminal, plain text, JSON, JUnit XML.

Renderers only format what the model holds; every verdict, diff and summary is computed before.
"""
