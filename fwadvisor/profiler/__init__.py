"""Headless profiler, parent side: suites, environment probe, the runner and the saved documents.

It never imports numpy or a framework; the worker side (fwadvisor.bench) does, inside its own process.
"""
