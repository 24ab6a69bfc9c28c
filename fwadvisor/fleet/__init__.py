"""The fleet: one profile across many machines.

The launchers (`fwadvisor profile --hosts | --slurm | --k8s`) run the ordinary `fwadvisor profile` on
each node and copy each run back; merge.py reads the saved runs and builds one fleet report
(model.py), which fwadvisor/report renders. Headless: no framework, no UI.
"""
