"""Read PyTorch legacy-format (pre-1.6, non-zip) checkpoints into numpy arrays, without torch.

No maintained library reads this format without importing torch, so this is written by hand.
The format is a run of pickles: magic number, protocol version, system info, the object (whose
tensors point at storages through persistent ids), the list of storage keys, then each storage's
raw bytes preceded by its element count as a little-endian int64.
"""
from __future__ import annotations

import collections
import pickle
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
SUPPORTED_PROTOCOL = 1001

_STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class CheckpointError(ValueError):
    """The file is not a PyTorch legacy checkpoint this reader understands."""


@dataclass(frozen=True)
class _StorageType:
    dtype: type


@dataclass
class _Storage:
    key: str
    dtype: type
    size: int
    data: np.ndarray | None = None


@dataclass(frozen=True)
class _TensorRef:
    storage: _Storage
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]

    def materialize(self) -> np.ndarray:
        if self.storage.data is None:
            raise CheckpointError(f"storage {self.storage.key} was never written")
        base = self.storage.data
        itemsize = base.itemsize
        if self.offset + _extent(self.shape, self.stride) > base.size:
            raise CheckpointError(f"tensor overruns storage {self.storage.key}")
        view = np.lib.stride_tricks.as_strided(
            base[self.offset:],
            shape=self.shape,
            strides=tuple(s * itemsize for s in self.stride),
            writeable=False,
        )
        return np.array(view)  # own, contiguous copy


def _extent(shape: tuple[int, ...], stride: tuple[int, ...]) -> int:
    if any(dim == 0 for dim in shape):
        return 0
    return 1 + sum((dim - 1) * step for dim, step in zip(shape, stride))


def _rebuild_tensor(storage, storage_offset, size, stride, *_ignored):
    return _TensorRef(storage, int(storage_offset), tuple(size), tuple(stride))


class _Unpickler(pickle.Unpickler):
    """Resolves only the handful of names a state dict needs; anything else is refused."""

    def __init__(self, file: BinaryIO):
        super().__init__(file)
        self.storages: dict[str, _Storage] = {}

    def find_class(self, module: str, name: str):
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch._utils" and name in ("_rebuild_tensor", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(_STORAGE_DTYPES[name])
        raise CheckpointError(f"refusing to load {module}.{name} from a checkpoint")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise CheckpointError(f"unknown persistent id {pid!r}")
        _, storage_type, key, _location, size, view_metadata = pid
        if view_metadata is not None:
            raise CheckpointError("storage views are not supported")
        if not isinstance(storage_type, _StorageType):
            raise CheckpointError(f"unknown storage type {storage_type!r}")
        if key not in self.storages:
            self.storages[key] = _Storage(key=key, dtype=storage_type.dtype, size=int(size))
        return self.storages[key]


def _load_plain(file: BinaryIO):
    try:
        return _Unpickler(file).load()
    except CheckpointError:
        raise
    except Exception as error:  # pickle raises many types on garbage input
        raise CheckpointError(f"corrupt checkpoint header: {error}") from error


def load_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """Return {parameter name: numpy array} from a legacy PyTorch checkpoint file."""
    with open(path, "rb") as file:
        if file.read(2)[:1] == b"PK":
            raise CheckpointError("zip-format (torch >= 1.6) checkpoints are not supported")
        file.seek(0)
        if _load_plain(file) != MAGIC_NUMBER:
            raise CheckpointError("not a PyTorch legacy checkpoint (bad magic number)")
        if _load_plain(file) != SUPPORTED_PROTOCOL:
            raise CheckpointError("unsupported checkpoint protocol version")
        sys_info = _load_plain(file)
        if not sys_info.get("little_endian", True):
            raise CheckpointError("big-endian checkpoints are not supported")
        unpickler = _Unpickler(file)
        try:
            obj = unpickler.load()
        except CheckpointError:
            raise
        except Exception as error:
            raise CheckpointError(f"corrupt checkpoint body: {error}") from error
        keys = _load_plain(file)
        for key in keys:
            storage = unpickler.storages.get(key)
            if storage is None:
                raise CheckpointError(f"unexpected storage {key}")
            (count,) = struct.unpack("<q", _read_exactly(file, 8))
            if count != storage.size:
                raise CheckpointError(f"storage {key}: {count} elements, expected {storage.size}")
            raw = _read_exactly(file, count * np.dtype(storage.dtype).itemsize)
            storage.data = np.frombuffer(raw, dtype=storage.dtype)
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict):
        raise CheckpointError("checkpoint does not hold a state dict")
    return {name: value.materialize() for name, value in obj.items() if isinstance(value, _TensorRef)}


def _read_exactly(file: BinaryIO, count: int) -> bytes:
    data = file.read(count)
    if len(data) != count:
        raise CheckpointError("checkpoint is truncated")
    return data
