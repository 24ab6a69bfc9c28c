"""Headless report: render a Recommendation (and a profile run, when given) as text, Markdown, HTML or JSON."""
