"""`fwadvisor profile --k8s`: a Kubernetes Indexed Job manifest that runs the profile on N nodes.

Only the manifest is written (to --output or stdout); `kubectl apply -f` is the user's, and so is
copying the runs back. Pod i runs the ordinary `fwadvisor profile ... --output
/results/node-<i>.json` into a PersistentVolumeClaim mounted at /results; a required pod
anti-affinity puts each pod on a node of its own, so N runs are N machines.
"""

from __future__ import annotations

import re
from typing import Any

from fwadvisor.errors import InputError
from fwadvisor.fleet.node_run import NodeProfile
from fwadvisor.fleet.outcome import utc_stamp
from fwadvisor.safe_text import excerpt

RESULTS = "/results"
# A DNS-1123 label: what Kubernetes accepts as a Job or claim name.
_NAME = re.compile(r"[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?")
# An image reference: registry/path:tag@digest, no spaces or quotes.
_IMAGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,499}")


def k8s_manifest(
    run: NodeProfile, *, nodes: int, image: str, gpus_per_node: int, claim: str, name: str | None = None
) -> str:
    """The manifest as YAML text, with the instructions to fetch and merge the runs as comments."""
    if not _IMAGE.fullmatch(image):
        raise InputError(
            f"--image '{excerpt(image, 80)}' is not a container image reference (say ghcr.io/me/fwadvisor:1.0)"
        )
    if not _NAME.fullmatch(claim):
        raise InputError(
            f"--k8s-claim '{excerpt(claim, 80)}' is not a Kubernetes name: 1 to 52 of a-z, 0-9 and '-', "
            "starting and ending with a letter or digit"
        )
    if run.suite_text is not None:
        raise InputError(
            "--k8s: the pods cannot read a suite file from this machine; give the name of a suite the image has "
            "(quick, standard, full, or one in its profiles folder)"
        )
    job = name or f"fwadvisor-{utc_stamp().lower()}"
    output = f"{RESULTS}/node-$(JOB_COMPLETION_INDEX).json"
    # `$(VAR)` is Kubernetes' own expansion of a container's environment in `args`: no shell is needed.
    # The Job controller adds JOB_COMPLETION_INDEX to each container's env of an Indexed Job's pods
    # (kubernetes pkg/controller/job, addCompletionIndexEnvVariable), so it expands here.
    args = ["profile", *run.arguments(), "--format", "json", "--output", output]
    container: dict[str, Any] = {
        "name": "fwadvisor",
        "image": image,
        "command": ["fwadvisor"],
        "args": args,
        "volumeMounts": [{"name": "results", "mountPath": RESULTS}],
    }
    if gpus_per_node:
        container["resources"] = {"limits": {"nvidia.com/gpu": gpus_per_node}}
    manifest = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": job, "labels": {"app.kubernetes.io/name": "fwadvisor-profile"}},
        "spec": {
            "completionMode": "Indexed",
            "completions": nodes,
            "parallelism": nodes,
            "backoffLimit": 0,  # a failed node is reported by its missing run, not retried on another machine
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": "fwadvisor-profile", "fwadvisor/job": job}},
                "spec": {
                    "restartPolicy": "Never",
                    "affinity": {
                        "podAntiAffinity": {
                            "requiredDuringSchedulingIgnoredDuringExecution": [
                                {
                                    "labelSelector": {"matchLabels": {"fwadvisor/job": job}},
                                    "topologyKey": "kubernetes.io/hostname",
                                }
                            ]
                        }
                    },
                    "containers": [container],
                    "volumes": [{"name": "results", "persistentVolumeClaim": {"claimName": claim}}],
                },
            },
        },
    }
    # A pod that only holds the claim, for `kubectl cp` to read the runs from once the Job is done.
    fetch = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"{job}-fetch", "labels": {"app.kubernetes.io/name": "fwadvisor-profile"}},
        "spec": {
            "restartPolicy": "Never",
            "activeDeadlineSeconds": 86400,
            "containers": [
                {
                    "name": "fetch",
                    "image": image,
                    "command": ["sleep", "86400"],
                    "volumeMounts": [{"name": "results", "mountPath": RESULTS, "readOnly": True}],
                }
            ],
            "volumes": [{"name": "results", "persistentVolumeClaim": {"claimName": claim}}],
        },
    }
    return _instructions(job, nodes, claim) + _dump(manifest) + "---\n" + _dump(fetch)


def _instructions(job: str, nodes: int, claim: str) -> str:
    plural = "s" if nodes != 1 else ""
    return f"""\
# fwadvisor profile on {nodes} Kubernetes node{plural}: an Indexed Job, one pod a node
# (a required pod anti-affinity), and a pod $JOB-fetch that holds the runs.
# Needs a PersistentVolumeClaim every node can mount (ReadWriteMany):
#   {claim}
#
#   JOB={job}
#   kubectl apply -f THIS_FILE
#   kubectl wait --for=condition=complete --timeout=2h job/$JOB
#   kubectl get pods -l fwadvisor/job=$JOB -o wide   # node of each index
#
# Then copy the runs back (a fleet-* folder: each run is named by its file)
# and merge them:
#   mkdir -p fleet-$JOB
#   for i in $(seq 0 {nodes - 1}); do
#     kubectl cp $JOB-fetch:{RESULTS}/node-$i.json fleet-$JOB/node-$i.json
#   done
#   fwadvisor profile merge fleet-$JOB
#   kubectl delete -f THIS_FILE
#
# A node whose pod failed has no node-<i>.json: `kubectl logs` of its pod
# says why.
"""


def _dump(manifest: dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(manifest, sort_keys=False, default_flow_style=False, width=78)
