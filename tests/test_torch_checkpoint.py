"""ml_models/core/torch_checkpoint.py: the legacy PyTorch format, written here by hand and read back."""
import collections
import pickle
import struct
import sys
import types
from contextlib import contextmanager

import numpy as np
import pytest

from ml_models.core.torch_checkpoint import MAGIC_NUMBER, SUPPORTED_PROTOCOL, CheckpointError, load_state_dict


@contextmanager
def fake_torch_modules():
    """Stand-in `torch` names so pickle can write the global references a real checkpoint holds."""
    torch, utils = types.ModuleType("torch"), types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*args):  # never called: only its name is pickled
        raise AssertionError

    class FloatStorage:
        pass

    class LongStorage:
        pass

    for owner, obj in ((utils, _rebuild_tensor_v2), (torch, FloatStorage), (torch, LongStorage)):
        obj.__module__ = owner.__name__
        obj.__qualname__ = obj.__name__
        setattr(owner, obj.__name__, obj)
    saved = {name: sys.modules.get(name) for name in ("torch", "torch._utils")}
    sys.modules.update({"torch": torch, "torch._utils": utils})
    try:
        yield torch, utils
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


class _Tensor:
    def __init__(self, storage_key, storage_type, offset, shape, stride, size):
        self.storage_key, self.storage_type = storage_key, storage_type
        self.offset, self.shape, self.stride, self.size = offset, shape, stride, size


def write_checkpoint(path, storages: dict[str, np.ndarray], tensors: dict[str, tuple]):
    """tensors: name -> (storage key, offset, shape, stride). Storages are flat arrays."""
    with fake_torch_modules() as (torch, utils):
        class Pickler(pickle.Pickler):
            def persistent_id(self, obj):
                if isinstance(obj, _Tensor):
                    return None
                if isinstance(obj, tuple) and obj and obj[0] == "__storage__":
                    _, key, storage_type, size = obj
                    return ("storage", storage_type, key, "cpu", size, None)
                return None

            def reducer_override(self, obj):
                if isinstance(obj, _Tensor):
                    storage = ("__storage__", obj.storage_key, obj.storage_type, obj.size)
                    return utils._rebuild_tensor_v2, (storage, obj.offset, obj.shape, obj.stride, False, collections.OrderedDict())
                return NotImplemented

        state = collections.OrderedDict()
        for name, (key, offset, shape, stride) in tensors.items():
            array = storages[key]
            storage_type = torch.FloatStorage if array.dtype == np.float32 else torch.LongStorage
            state[name] = _Tensor(key, storage_type, offset, shape, stride, array.size)
        with open(path, "wb") as file:
            for header in (MAGIC_NUMBER, SUPPORTED_PROTOCOL, {"protocol_version": 1001, "little_endian": True}):
                pickle.dump(header, file, protocol=2)
            Pickler(file, protocol=2).dump(state)
            pickle.dump(list(storages), file, protocol=2)
            for array in storages.values():
                file.write(struct.pack("<q", array.size))
                file.write(array.tobytes())


def test_reads_tensors_with_offsets_and_strides(tmp_path):
    flat = np.arange(12, dtype=np.float32)
    path = tmp_path / "small.pth"
    write_checkpoint(path, {"0": flat, "1": np.array([7], dtype=np.int64)}, {
        "matrix": ("0", 0, (3, 4), (4, 1)),
        "transposed": ("0", 0, (4, 3), (1, 4)),
        "tail": ("0", 8, (4,), (1,)),
        "count": ("1", 0, (), ()),
    })
    state = load_state_dict(path)
    np.testing.assert_array_equal(state["matrix"], flat.reshape(3, 4))
    np.testing.assert_array_equal(state["transposed"], flat.reshape(3, 4).T)
    np.testing.assert_array_equal(state["tail"], [8, 9, 10, 11])
    assert state["count"].dtype == np.int64 and int(state["count"]) == 7


def test_truncated_file_is_refused(tmp_path):
    path = tmp_path / "cut.pth"
    write_checkpoint(path, {"0": np.arange(100, dtype=np.float32)}, {"w": ("0", 0, (100,), (1,))})
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(CheckpointError, match="truncated"):
        load_state_dict(path)


def test_arbitrary_code_in_a_checkpoint_is_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            import os

            return os.system, ("echo pwned",)

    path = tmp_path / "evil.pth"
    with open(path, "wb") as file:
        for header in (MAGIC_NUMBER, SUPPORTED_PROTOCOL, {"little_endian": True}):
            pickle.dump(header, file, protocol=2)
        pickle.dump({"x": Evil()}, file, protocol=2)
    with pytest.raises(CheckpointError, match="refusing"):
        load_state_dict(path)


@pytest.mark.parametrize("content", [b"PK\x03\x04 zip archive", b"not a checkpoint at all", b""])
def test_other_files_are_refused(tmp_path, content):
    path = tmp_path / "other.pth"
    path.write_bytes(content)
    with pytest.raises(CheckpointError):
        load_state_dict(path)


def test_reads_the_shipped_efficientnet_lite0_checkpoint():
    from ml_models.networks.lite0 import checkpoint_path

    state = load_state_dict(checkpoint_path())
    assert len(state) == 296
    assert state["_conv_stem.weight"].shape == (32, 3, 3, 3)
    assert state["_fc.weight"].shape == (1000, 1280)
    assert state["_blocks.15._project_conv.weight"].shape == (320, 1152, 1, 1)
    assert all(np.isfinite(value).all() for value in state.values())
    assert (state["_bn1.running_var"] > 0).all()
