"""Profiling many machines: the launchers of `fwadvisor profile --hosts | --slurm | --k8s` and the fleet report."""
