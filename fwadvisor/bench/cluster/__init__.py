"""The cluster suite's worker side: all_reduce and ddp_scaling, run by one process per device.

rank.py           entry of every rank (`python -m fwadvisor.bench.cluster.rank`): sets the framework
                  and its process group or strategy up, runs the cases; rank 0 speaks the worker
                  protocol on stdout, the other ranks write to stderr only
tf_launch.py      starts TensorFlow's ranks with TF_CONFIG on loopback ports (imports no framework)
side.py           what a framework supplies: the ClusterSide protocol (collectives, a buffer, a
                  distributed trainer); torch_side.py and tensorflow_side.py implement it
recipes.py        both benchmarks written once against ClusterSide: iterations agreed by all
                  ranks, timing on rank 0, the ones-check, algbw/busbw, p50/p90, the record
timed_steps.py    the timing loop every rank runs in step (barrier, call, device sync)
"""
