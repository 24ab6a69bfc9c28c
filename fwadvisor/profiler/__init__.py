"""Headless profiler: suites, environment probe, runner (parent side) and worker (child side).

Only modules under fwadvisor.profiler.backends import a framework, and only inside a worker process.
"""
