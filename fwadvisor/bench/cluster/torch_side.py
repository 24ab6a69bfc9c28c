"""PyTorch's ClusterSide: torch.distributed from torchrun's environment, one process per device.

gloo on a CPU, NCCL on GPUs (rank i on cuda:LOCAL_RANK); all-reduce in place with dist.all_reduce;
training in DistributedDataParallel with its default bucketing (bucket_cap_mb 25), said in the record.
World size 1 (ddp_scaling's baseline): no process group, the plain single-device step.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Sequence
from contextlib import AbstractContextManager

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from fwadvisor.bench import dtype_rules
from fwadvisor.bench import reference as ref
from fwadvisor.bench.backends import torch_backend
from fwadvisor.bench.backends.torch_adapter import TorchAdapter
from fwadvisor.bench.cluster.side import DistributedTrainer, ReduceBuffer, Workload
from fwadvisor.profiler.documents import Details
from fwadvisor.profiler.protocol import Hello

# DistributedDataParallel's own default, passed explicitly so the record can say what ran.
BUCKET_CAP_MB = 25
# A rank whose peer is gone fails its collective after this long instead of waiting 30 minutes
# (the parent's case timeout normally ends the launch first).
COLLECTIVE_TIMEOUT = datetime.timedelta(minutes=10)
LAUNCHER = "torchrun, one process per device"


class TorchSide:
    """One torch rank (see side.ClusterSide)."""

    def __init__(self, device: str, threads: int | None, world_size: int) -> None:
        self.world_size = world_size
        self.rank = int(os.environ.get("RANK", "0"))
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        self.hello: Hello = torch_backend.setup(device, threads, index=local_rank if device == "cuda" else 0)
        self.adapter: TorchAdapter = torch_backend.adapter()
        self.local_replicas = (self.rank,)
        self.sync = self.adapter.sync
        self.distributed = world_size > 1
        if self.distributed:
            self.backend = "nccl" if self.adapter.cuda else "gloo"
            # torchrun's env:// rendezvous (MASTER_ADDR/PORT, RANK, WORLD_SIZE) set up the store already.
            dist.init_process_group(
                self.backend,
                timeout=COLLECTIVE_TIMEOUT,
                device_id=self.adapter.torch_device if self.adapter.cuda else None,
            )
            if dist.get_world_size() != world_size:
                raise RuntimeError(f"torchrun started {dist.get_world_size()} ranks, the cases are for {world_size}")
            self.launcher, self.strategy = LAUNCHER, "DistributedDataParallel"
        else:
            self.backend, self.launcher, self.strategy = "none", "one process, no launcher", "none (one device)"

    def close(self) -> None:
        if self.distributed and dist.is_initialized():
            dist.destroy_process_group()

    def barrier(self) -> None:
        if self.distributed:
            dist.barrier()

    def sum_floats(self, values: Sequence[float]) -> list[float]:
        if not self.distributed:
            return list(values)
        # float64 on the collective's device: gloo reduces CPU tensors, NCCL device tensors.
        device = self.adapter.torch_device if self.adapter.cuda else torch.device("cpu")
        tensor = torch.tensor(list(values), dtype=torch.float64, device=device)
        dist.all_reduce(tensor)
        return [float(v) for v in tensor.cpu().tolist()]

    def case_scope(self) -> AbstractContextManager[None]:
        return self.adapter.case_scope()

    def reduce_buffer(self, elements: int) -> ReduceBuffer:
        buffer = torch.empty(elements, dtype=torch.float32, device=self.adapter.torch_device)

        def call() -> None:
            dist.all_reduce(buffer, op=dist.ReduceOp.SUM)  # in place; async on a GPU stream

        def all_equal(value: float) -> bool:
            self.sync()
            return bool(torch.all(buffer == value))

        def fill(value: float) -> None:
            buffer.fill_(value)

        return ReduceBuffer(call, fill, all_equal, in_place=True, notes={"op": "dist.all_reduce(SUM)"})

    def trainer(self, workload: Workload, dtype: str) -> DistributedTrainer:
        adapter = self.adapter
        (batch,) = workload.batches
        with adapter.model_precision(dtype):
            model = workload.build(adapter)
        x, labels = workload.to_input(adapter, batch.x), adapter.tensor(batch.labels)
        notes: Details = {}
        if self.distributed:
            # Same weights on every rank already (the shared NumPy weights); DDP checks and broadcasts anyway.
            model = DistributedDataParallel(
                model,
                device_ids=[adapter.torch_device] if adapter.cuda else None,
                bucket_cap_mb=BUCKET_CAP_MB,
                gradient_as_bucket_view=False,
            )
            notes = {
                "bucket_cap_mb": BUCKET_CAP_MB,
                "bucket_words": "DistributedDataParallel's default 25 MB buckets",
                "gradient_as_bucket_view": False,
                "gradient_averaging": "DDP averages gradients over ranks (each rank's loss is its batch mean)",
            }
        plain = adapter.trainer(
            model, x, labels, ref.TRAIN_LR, ref.TRAIN_MOMENTUM, mixed=dtype_rules.mixed_precision(dtype)
        )
        parameters = list(model.parameters())

        def checksums() -> list[float]:
            with torch.no_grad():
                total = sum(float(np.sum(p.detach().double().cpu().numpy())) for p in parameters)
            return [total]

        return DistributedTrainer(plain.step, plain.loss, checksums, plain.precision, {**notes, **plain.notes})
