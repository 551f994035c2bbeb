"""The encoder's path is chosen from the CPU's flags, which the tests describe as they like."""

from __future__ import annotations

import pytest

from recsum.errors import RecsumError
from recsum.summarizers.runtime import cpu_flags, plan_encoder

AVX2 = frozenset({"sse4_2", "avx2", "fma"})  # an AVX2 CPU: no bfloat16, no VNNI
NO_FLAGS = frozenset({"sse4_2"})  # nor AVX2 (an old x86 CPU; an ARM one names other flags)
VNNI = AVX2 | {"avx512f", "avx512_vnni"}
BF16 = VNNI | {"avx512_bf16"}


@pytest.mark.parametrize(("flags", "expected"), [
    (NO_FLAGS, "onnx-float32"),
    (frozenset(), "onnx-float32"),
    (AVX2, "onnx-int8"),
    (VNNI, "onnx-int8"),
    (NO_FLAGS | {"avx_vnni"}, "onnx-int8"),
    (BF16, "onnx-int8"),
])
def test_auto_on_a_cpu_takes_int8_with_8_bit_products_else_float32_never_bfloat16(flags,
                                                                                  expected):
    assert plan_encoder("auto", "cpu", flags=flags).label == expected


def test_a_cpu_without_bfloat16_refuses_it_in_one_line_and_one_with_it_runs_it_in_torch():
    with pytest.raises(RecsumError, match="no bfloat16 instructions") as error:
        plan_encoder("bfloat16", "cpu", flags=VNNI)
    assert "\n" not in str(error.value)
    assert plan_encoder("bfloat16", "cpu", flags=BF16).label == "torch-bfloat16"
    assert plan_encoder("bfloat16", "cpu", flags=NO_FLAGS | {"amx_bf16"}).runtime == "torch"


def test_explicit_formats_gpus_and_other_checkpoints():
    assert plan_encoder("float32", "cpu", flags=BF16).label == "onnx-float32"
    assert plan_encoder("int8", "cpu", flags=NO_FLAGS).label == "onnx-int8"
    assert plan_encoder("auto", "cuda", flags=NO_FLAGS).label == "torch-float32"
    assert plan_encoder("bfloat16", "cuda", flags=NO_FLAGS).label == "torch-bfloat16"
    assert plan_encoder("auto", "cpu", plain_bert=False, flags=VNNI).label == "torch-float32"
    for dtype, device, plain in (("int8", "cuda", True), ("int8", "cpu", False)):
        with pytest.raises(RecsumError, match="int8 runs on the CPU"):
            plan_encoder(dtype, device, plain_bert=plain, flags=VNNI)


def test_flags_are_read_from_cpuinfo_and_missing_ones_choose_nothing(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512_vnni\n\nprocessor\t: 1\n")
    assert cpu_flags(str(cpuinfo)) == {"fpu", "avx2", "avx512_vnni"}
    assert cpu_flags(str(tmp_path / "absent")) == frozenset()


def test_the_summarizer_takes_the_path_its_cpu_flags_allow():
    from recsum.summarizers import ExtractiveSummarizer

    for flags, label in ((NO_FLAGS, "onnx-float32"), (AVX2, "onnx-int8")):
        summarizer = ExtractiveSummarizer.from_pretrained(cpu_flags=flags)
        assert summarizer.encoder.path == label
    with pytest.raises(RecsumError, match="bfloat16"):
        ExtractiveSummarizer.from_pretrained(dtype="bfloat16", cpu_flags=NO_FLAGS)
