"""Headless advisor: questionnaire, rule model and loader, engine. Never imports textual or a framework."""
