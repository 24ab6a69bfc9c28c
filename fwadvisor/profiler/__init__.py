"""Headless profiler, parent side: suites, the machine (environment, run_environment), a run planned
once (plan) and run (runner, session), the worker protocol and the saved documents.

It never imports numpy or a framework; the worker side (fwadvisor.bench) does, inside its own process.
"""
