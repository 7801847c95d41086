"""How many bytes a block needs, estimated from its spec, and the worker's check before allocating.

:func:`block_bytes` adds up the arrays a block holds at once: the training and
test inputs and labels (or one batch with online data), the teacher, every
student's parameters with their gradients and Adam moments, and the
activations of a forward pass over the largest of a batch and the test set
(the pruning sweep evaluates the test set). It is an estimate, a little above
what is allocated, to refuse a block that cannot fit before it starts rather
than to budget memory exactly. :func:`check_block_memory` compares it with the
memory free where the block runs and refuses in one line. No torch here: the
runner may ask too.
"""

from __future__ import annotations

from phasetrans.backend.specs import BlockSpec, PackSpec
from phasetrans.errors import StudyError

__all__ = ["available_bytes", "block_bytes", "check_block_memory"]

#: Bytes per number of each dtype of a study.
ITEMSIZE = {"float32": 4, "float64": 8}
#: Copies of every parameter during training: the value, its gradient, Adam's two moments.
PARAMETER_COPIES = 4
#: Hidden activations kept per example and node in a forward and backward pass.
ACTIVATION_COPIES = 3


def block_bytes(spec: BlockSpec | PackSpec) -> int:
    """Estimated peak bytes of a block (or of a pack: the sum of its blocks).

    Parameters
    ----------
    spec : BlockSpec or PackSpec

    Returns
    -------
    int
    """
    if isinstance(spec, PackSpec):
        return sum(block_bytes(block) for block in spec.blocks)
    item = ITEMSIZE.get(spec.dtype, 8)
    n_in, width, students = spec.teacher.input_dim, spec.width, len(spec.seeds)
    hidden2 = max(spec.teacher.hidden2, 1)
    batch = spec.settings.batch_size
    examples = (batch if spec.online else spec.n_train) + spec.n_test
    data = examples * (n_in + 1)
    teacher = spec.teacher.width * (n_in + hidden2 + 1) + hidden2
    per_student = width * (n_in + hidden2 + 2) + n_in + 1
    parameters = PARAMETER_COPIES * students * per_student
    rows = max(batch, spec.n_test)
    activations = ACTIVATION_COPIES * students * rows * (width + hidden2)
    return item * (data + teacher + parameters + activations)


def available_bytes(device: str) -> int | None:
    """Bytes free on ``device`` (``"cpu"``, ``"cuda"``, ``"cuda:1"``); None if unknown."""
    if device.startswith("cuda"):
        try:
            import torch

            index = int(device.split(":")[1]) if ":" in device else 0
            return int(torch.cuda.mem_get_info(index)[0])
        except (ImportError, RuntimeError, ValueError, AssertionError):
            return None
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with dask
        return None
    return int(psutil.virtual_memory().available)


def check_block_memory(spec: BlockSpec | PackSpec, device: str, free: int | None = None) -> None:
    """Refuse, in one line, a block whose estimate exceeds the memory free on ``device``.

    Parameters
    ----------
    spec : BlockSpec or PackSpec
        The block the worker is about to allocate.
    device : str
        Where it runs (resolved: ``cpu``, ``cuda``, ``cuda:<i>``).
    free : int, optional
        Bytes free (default: :func:`available_bytes`); nothing is checked when unknown.

    Raises
    ------
    StudyError
        Naming the block, the estimate and the memory free.
    """
    free = available_bytes(device) if free is None else free
    need = block_bytes(spec)
    if free is None or need <= free:
        return
    blocks = spec.blocks if isinstance(spec, PackSpec) else (spec,)
    first = blocks[0]
    what = (
        f"{first.training} block (h_T = {first.teacher.width}, width {first.width}, "
        f"{len(first.seeds)} student(s), n_train {first.n_train}, n_test {first.n_test})"
    )
    if len(blocks) > 1:
        what = f"pack of {len(blocks)} blocks, the first a {what}"
    raise StudyError(
        f"the {what} needs about {_gib(need)} (estimate) but {device} has {_gib(free)} free; "
        "lower the sizes or run it where more memory is free",
        field="memory",
        value=need,
    )


def _gib(n: int) -> str:
    return f"{n / 2**30:.3g} GiB"
