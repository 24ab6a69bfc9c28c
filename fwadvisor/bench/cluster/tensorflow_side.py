"""TensorFlow's ClusterSide: MultiWorkerMirroredStrategy (one process per device, TF_CONFIG from
tf_launch.py), MirroredStrategy (one process over every device) or, at world size 1, no strategy.

The strategy is made right after the backend's setup(), before any TensorFlow op: MultiWorkerMirrored
Strategy must configure the collectives before the runtime starts. Collectives: RING on CPUs and NCCL
on GPUs (CommunicationOptions, bytes_per_pack at TF's default, said in the record); MirroredStrategy
reduces with NcclAllReduce on GPUs and ReductionToOneDevice on CPUs (its own defaults, passed
explicitly so the record says them). On a CPU MirroredStrategy runs over N logical CPU devices. An
all-reduce in TensorFlow returns a new tensor: the record says it is not in place. Imported after
tensorflow_backend (rank.py), which quiets TensorFlow's logging before TensorFlow loads.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

import numpy as np
import tensorflow as tf

from fwadvisor.bench import dtype_rules
from fwadvisor.bench import reference as ref
from fwadvisor.bench.backends import tensorflow_backend
from fwadvisor.bench.backends.tensorflow_adapter import MIXED_POLICIES, TensorFlowAdapter
from fwadvisor.bench.backends.tensorflow_keras import keras
from fwadvisor.bench.cluster.side import DistributedTrainer, ReduceBuffer, Workload
from fwadvisor.profiler.documents import Details, PrecisionFlags
from fwadvisor.profiler.protocol import Hello

BYTES_PER_PACK = 0  # CommunicationOptions' default: TensorFlow packs the gradients itself
SUM = tf.distribute.ReduceOp.SUM


def tf_config_task() -> tuple[int, int]:
    """(this worker's index, the number of workers) from TF_CONFIG; ValueError when it is not usable."""
    try:
        config = json.loads(os.environ["TF_CONFIG"])
        return int(config["task"]["index"]), len(config["cluster"]["worker"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"TF_CONFIG is missing or not a worker cluster: {exc!r}") from exc


class TensorFlowSide:
    """One TensorFlow rank (see side.ClusterSide)."""

    def __init__(self, device: str, threads: int | None, world_size: int, single_process: bool) -> None:
        self.world_size = world_size
        cuda = device == "cuda"
        if single_process and not cuda:
            # N logical CPU devices, configured before the runtime starts (the replicas of MirroredStrategy).
            (cpu,) = tf.config.list_physical_devices("CPU")
            tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * world_size)
        self.hello: Hello = tensorflow_backend.setup(device, threads)
        self.adapter: TensorFlowAdapter = tensorflow_backend.adapter()
        self.sync = self.adapter.sync
        self.strategy_object: Any = None
        self.local_replicas: tuple[int, ...] = (0,)
        self.notes: Details = {}
        if world_size == 1:
            self.rank, self.local_replicas = 0, (0,)
            self.backend, self.launcher, self.strategy = "none", "one process, no launcher", "none (one device)"
        elif single_process:
            self._mirrored(cuda)
        else:
            self._multi_worker(cuda)

    def _mirrored(self, cuda: bool) -> None:
        kind = "GPU" if cuda else "CPU"
        devices = [d.name for d in tf.config.list_logical_devices(kind)][: self.world_size]
        if len(devices) < self.world_size:
            raise RuntimeError(f"MirroredStrategy over {self.world_size} devices, but TensorFlow sees {len(devices)}")
        cross = tf.distribute.NcclAllReduce() if cuda else tf.distribute.ReductionToOneDevice()
        self.strategy_object = tf.distribute.MirroredStrategy(devices, cross_device_ops=cross)
        self.rank, self.local_replicas = 0, tuple(range(self.world_size))
        self.backend = type(cross).__name__
        self.launcher, self.strategy = "MirroredStrategy, one process", "MirroredStrategy"
        self.notes = {"devices": devices, "cross_device_ops": f"tf.distribute.{type(cross).__name__}()"}
        if not cuda:
            self.notes["device_words"] = f"{self.world_size} logical CPU devices of one CPU"

    def _multi_worker(self, cuda: bool) -> None:
        index, workers = tf_config_task()
        if workers != self.world_size:
            raise RuntimeError(f"TF_CONFIG lists {workers} workers, the cases are for {self.world_size}")
        implementation = tf.distribute.experimental.CommunicationImplementation
        chosen = implementation.NCCL if cuda else implementation.RING
        options = tf.distribute.experimental.CommunicationOptions(bytes_per_pack=BYTES_PER_PACK, implementation=chosen)
        self.strategy_object = tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)
        self.rank, self.local_replicas = index, (index,)
        local_devices = tuple(self.strategy_object.extended.worker_devices)

        def sync_local_devices() -> None:
            # tf.test.experimental.sync_devices() syncs every logical device, the other workers' too,
            # and fails under MultiWorkerMirroredStrategy ("Haven't set up remote eager worker"): the
            # same SyncDevice op, on this worker's devices only.
            for device in local_devices:
                with tf.device(device):
                    tf.raw_ops.SyncDevice()

        self.sync = sync_local_devices
        self.backend = chosen.name
        self.launcher, self.strategy = "TF_CONFIG, one process per device", "MultiWorkerMirroredStrategy"
        self.notes = {
            "bytes_per_pack": BYTES_PER_PACK,
            "bytes_per_pack_words": "0: TensorFlow's default packing of gradients",
        }
        strategy = self.strategy_object

        def replica_sum(values: tf.Tensor) -> tf.Tensor:
            # identity: a function argument has no device, and an all-reduce of it has no destination
            # ("destinations can not be empty"); the copy is made on this replica's device.
            return tf.distribute.get_replica_context().all_reduce(SUM, tf.identity(values))

        @tf.function(input_signature=[tf.TensorSpec([None], tf.float64)])
        def sum_over_workers(values: tf.Tensor) -> Any:
            return strategy.run(replica_sum, args=(values,))

        self._sum = sum_over_workers

    def close(self) -> None:
        """Nothing to tear down: the process ends with os._exit (TensorFlow's own teardown can hang)."""

    @property
    def _processes(self) -> int:
        return self.world_size // len(self.local_replicas)

    def barrier(self) -> None:
        if self._processes > 1:
            self.sum_floats([0.0])

    def sum_floats(self, values: Sequence[float]) -> list[float]:
        if self._processes == 1:
            return list(values)
        summed = self._sum(tf.constant(list(values), tf.float64))
        (local,) = self.strategy_object.experimental_local_results(summed)
        return [float(v) for v in local.numpy()]

    def case_scope(self) -> AbstractContextManager[None]:
        return self.adapter.case_scope()

    def _per_replica(self, make: Callable[[int], Any]) -> Any:
        """One value per local replica, made on that replica's device: make(position in local_replicas)."""
        position = {replica: i for i, replica in enumerate(self.local_replicas)}
        return self.strategy_object.experimental_distribute_values_from_function(
            lambda context: make(position[context.replica_id_in_sync_group])
        )

    def reduce_buffer(self, elements: int) -> ReduceBuffer:
        if self.strategy_object is None:
            raise ValueError("all_reduce needs a world size of at least 2")
        strategy = self.strategy_object
        sources = self._per_replica(lambda _: tf.Variable(tf.zeros([elements], tf.float32), trainable=False))
        variables = strategy.experimental_local_results(sources)
        latest: list[Any] = []

        def replica_reduce(source: tf.Variable) -> tf.Tensor:
            # A read on the replica's device (no copy of the data): the variable's handle, a function
            # input, has no device, and an all-reduce of it would have no destination.
            return tf.distribute.get_replica_context().all_reduce(SUM, tf.identity(source))

        @tf.function
        def reduce() -> Any:
            return strategy.run(replica_reduce, args=(sources,))

        def call() -> None:
            latest[:] = strategy.experimental_local_results(reduce())

        def fill(value: float) -> None:
            for variable in variables:
                variable.assign(tf.fill([elements], tf.constant(value, tf.float32)))

        def all_equal(value: float) -> bool:
            self.sync()
            return all(bool(tf.reduce_all(tf.equal(result, value)).numpy()) for result in latest)

        notes: Details = {"op": "ReplicaContext.all_reduce(SUM) in strategy.run, in tf.function", **self.notes}
        return ReduceBuffer(call, fill, all_equal, in_place=False, notes=notes)

    def trainer(self, workload: Workload, dtype: str) -> DistributedTrainer:
        adapter = self.adapter
        if self.strategy_object is None:
            (batch,) = workload.batches
            with adapter.model_precision(dtype):
                model = workload.build(adapter)
            plain = adapter.trainer(
                model,
                workload.to_input(adapter, batch.x),
                adapter.tensor(batch.labels),
                ref.TRAIN_LR,
                ref.TRAIN_MOMENTUM,
                mixed=dtype_rules.mixed_precision(dtype),
            )
            return DistributedTrainer(plain.step, plain.loss, lambda: [], plain.precision, plain.notes)
        return self._strategy_trainer(workload, dtype)

    def _strategy_trainer(self, workload: Workload, dtype: str) -> DistributedTrainer:
        adapter, strategy = self.adapter, self.strategy_object
        mixed = dtype_rules.mixed_precision(dtype)
        scaled = mixed == "fp16"  # fp16's narrow range needs loss scaling; bf16 has float32's
        k = keras()
        with strategy.scope():
            with adapter.model_precision(dtype):
                model = workload.build(adapter)
            optimizer = k.optimizers.SGD(learning_rate=ref.TRAIN_LR, momentum=ref.TRAIN_MOMENTUM)
            if scaled:
                optimizer = k.optimizers.LossScaleOptimizer(optimizer)
            optimizer.build(model.trainable_variables)
        batches = workload.batches
        xs = self._per_replica(lambda i: workload.to_input(adapter, batches[i].x))
        ys = self._per_replica(lambda i: adapter.tensor(batches[i].labels))
        global_batch = len(batches[0].labels) * self.world_size

        def replica_step(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
            with tf.GradientTape() as tape:
                logits = tf.cast(model(x, training=True), tf.float32)  # the loss in float32
                per_example = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
                # Each replica's share of the global mean: the summed gradients are the mean's, as DDP's.
                loss = tf.nn.compute_average_loss(per_example, global_batch_size=global_batch)
                target = optimizer.scale_loss(loss) if scaled else loss
            grads = tape.gradient(target, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
            return loss

        @tf.function
        def step() -> Any:
            return strategy.run(replica_step, args=(xs, ys))

        local_x = strategy.experimental_local_results(xs)
        local_y = strategy.experimental_local_results(ys)

        def loss() -> float:
            losses = []
            for x, y in zip(local_x, local_y, strict=True):
                logits = tf.cast(model(x, training=False), tf.float32)
                per_example = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
                losses.append(float(tf.reduce_mean(per_example).numpy()))
            return float(np.mean(losses))

        def checksums() -> list[float]:
            per_replica = [0.0] * len(self.local_replicas)
            for variable in model.trainable_variables:
                copies = strategy.experimental_local_results(getattr(variable, "value", variable))
                for i, copy in enumerate(copies):
                    per_replica[i] += float(np.sum(np.asarray(copy.numpy(), np.float64)))
            return per_replica

        precision: PrecisionFlags = {}
        if mixed:
            precision = {
                "mixed_precision": f"Keras {MIXED_POLICIES[mixed]} policy",
                "loss_scaling": "keras LossScaleOptimizer (dynamic)" if scaled else "none (bf16 has float32's range)",
                "weights": "float32",
                "loss": "float32",
            }
        notes: Details = {
            **self.notes,
            "gradient_averaging": "tf.nn.compute_average_loss over the global batch; gradients summed over replicas",
        }
        return DistributedTrainer(step, loss, checksums, precision, notes)
