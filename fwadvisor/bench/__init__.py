"""The worker side: everything that runs inside a worker process (`python -m fwadvisor.bench.worker`).

The worker, the numpy references, the export round trip, the recipes (written once against the
adapter protocol) and the framework backends. Only this package imports numpy or a framework, and
nothing outside it imports it: the parent side starts it as a process and reads its JSON lines. Of the
parent side it imports only the shared protocol (fwadvisor.profiler.documents, records, timing, steadiness, catalog).
"""
