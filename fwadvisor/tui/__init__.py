"""The Textual app: interview, recommendation, profiler and report. Never imports a framework."""
