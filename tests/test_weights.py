import os
import re

import pytest
import torch
from safetensors.torch import load_file

from recsum.weights import save_weights


def test_weights_are_written_whole_and_readable_per_the_umask(tmp_path):
    path = tmp_path / "model.safetensors"
    previous = os.umask(0o022)
    try:
        save_weights({"w": torch.ones(2, 3).t()}, path, {"model_type": "x"})  # not contiguous
    finally:
        os.umask(previous)
    assert path.stat().st_mode & 0o777 == 0o644  # safetensors alone writes 0o600
    assert torch.equal(load_file(str(path))["w"], torch.ones(3, 2))
    assert [p.name for p in tmp_path.iterdir()] == ["model.safetensors"]


def test_numpy_weights_are_written_without_torch_and_read_back(tmp_path):
    import numpy as np
    from safetensors.numpy import load_file as load_numpy

    path = tmp_path / "model.safetensors"
    save_weights({"w": np.arange(6, dtype=np.float32).reshape(2, 3).T}, path)
    assert np.array_equal(load_numpy(str(path))["w"], np.arange(6).reshape(2, 3).T)


def shipped_scorer_copy(tmp_path):
    import shutil

    from recsum.summarizers.scorer import shipped_scorer_path

    folder = tmp_path / "scorer"  # a folder named like the --scorer flag keeps its name
    shutil.copytree(shipped_scorer_path(False), folder)
    return folder


def no_tensors(path) -> None:
    from safetensors.numpy import save_file

    save_file({}, str(path))  # a valid file of no tensors: the JSON header is "{}"


def cut_in_half(path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_a_weights_file_is_checked_before_it_is_read(tmp_path):
    import numpy as np

    from recsum.errors import RecsumError
    from recsum.weights import check_weights

    path = tmp_path / "model.safetensors"
    expected = {"w": (2, 3), "b": (3,)}
    save_weights({"w": np.zeros((2, 3), np.float32), "b": np.zeros(3, np.float32)}, path)
    check_weights(path, expected)
    for make, message in [
        (lambda: path.unlink(), "is missing"),
        (lambda: cut_in_half(path), "is damaged or cut short"),
        (lambda: path.write_bytes(b""), "is damaged or cut short"),
        (lambda: no_tensors(path), "holds no tensors"),
        (lambda: save_weights({"w": np.zeros((2, 3), np.float32)}, path),
         "lacks 1 of the 2 tensors its config needs (such as 'b')"),
        (lambda: save_weights({"w": np.zeros((3, 2), np.float32), "b": np.zeros(3, np.float32)},
                              path), "holds 'w' with shape [3, 2], not the [2, 3]"),
    ]:
        save_weights({"w": np.zeros((2, 3), np.float32), "b": np.zeros(3, np.float32)}, path)
        make()
        with pytest.raises(RecsumError, match=re.escape(message)) as error:
            check_weights(path, expected, what="test weights", fix="make them again")
        assert str(error.value).startswith("test weights ") and "\n" not in str(error.value)
        assert str(error.value).endswith("; make them again")


def test_cli_refuses_a_scorer_without_tensors_or_cut_short(tmp_path, capsys):
    """Issue 24, row 10: a scorer of ``{}`` summarized with all-zero weights, exit 0."""
    from recsum.cli.main import main

    folder = shipped_scorer_copy(tmp_path)
    document = tmp_path / "doc.txt"
    document.write_text("The river rose. The town watched it climb the levee. " * 20)
    for damage, message in [(no_tensors, "holds no tensors"),
                            (cut_in_half, "is damaged or cut short")]:
        damage(folder / "model.safetensors")
        capsys.readouterr()
        assert main(["summarize", str(document), "--scorer", str(folder)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"weights {folder}/model.safetensors" in err
        assert message in err and "retrain it with `recsum train part" in err


@pytest.mark.slow
def test_cli_refuses_a_damaged_seq2seq_folder_in_one_line(tmp_path, tiny_seq2seq_path):
    """Issue 24, row 9: a damaged model.safetensors under --model was a 32-line traceback."""
    import shutil
    import subprocess
    import sys

    from safetensors.numpy import load_file, save_file

    document = tmp_path / "doc.txt"
    document.write_text("The river rose. The town watched it climb the levee. " * 20)
    cut, missing = tmp_path / "cut", tmp_path / "missing"
    for folder in (cut, missing):
        shutil.copytree(tiny_seq2seq_path, folder)
    cut_in_half(cut / "model.safetensors")
    tensors = load_file(str(missing / "model.safetensors"))
    del tensors["model.decoder.layernorm_embedding.weight"]
    save_file(tensors, str(missing / "model.safetensors"), metadata={"format": "pt"})
    for folder, message in [(cut, "model weights"), (missing, "lacks 1 of the tensors")]:
        run = subprocess.run([sys.executable, "-m", "recsum.cli.main", "summarize",
                              str(document), "--model", str(folder)], capture_output=True,
                             text=True, timeout=300)
        assert run.returncode == 2 and run.stderr.count("\n") == 1, run.stderr
        assert message in run.stderr and "save the model again" in run.stderr


def test_a_seq2seq_folder_cut_short_is_refused_before_transformers_reads_it(
        tmp_path, tiny_seq2seq_path):
    import shutil

    from recsum.errors import RecsumError
    from recsum.summarizers.seq2seq import Seq2SeqSummarizer

    shutil.copytree(tiny_seq2seq_path, tmp_path / "cut")
    cut_in_half(tmp_path / "cut" / "model.safetensors")
    with pytest.raises(RecsumError, match=r"^model weights .*cut/model.safetensors is damaged or "
                                          r"cut short"):
        Seq2SeqSummarizer.from_pretrained(str(tmp_path / "cut"))


def test_a_damaged_lstm_or_bigbird_folder_is_one_line(tmp_path):
    """Issue 24, row 9: ``--system lstm --option path=...`` was a 37-line traceback."""
    from recsum.baselines.lstm import HierarchicalLSTM, LSTMConfig
    from recsum.errors import RecsumError

    torch.manual_seed(0)
    model = HierarchicalLSTM(LSTMConfig(vocab_size=50, embedding_dim=8, word_hidden=4,
                                        sentence_hidden=4))
    model.save_pretrained(tmp_path)
    cut_in_half(tmp_path / "model.safetensors")
    with pytest.raises(RecsumError, match=r"^lstm weights .* is damaged or cut short .*; train "
                                          r"it again with `recsum train lstm"):
        HierarchicalLSTM.from_pretrained(tmp_path)
    bigger = HierarchicalLSTM(LSTMConfig(vocab_size=50, embedding_dim=8, word_hidden=6,
                                         sentence_hidden=4))
    save_weights(bigger.state_dict(), tmp_path / "model.safetensors")
    with pytest.raises(RecsumError, match=r"holds '.*' with shape \[\d+(, \d+)*\], not the"):
        HierarchicalLSTM.from_pretrained(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(RecsumError, match=r"config.json is damaged"):
        HierarchicalLSTM.from_pretrained(tmp_path)


KILLED_SAVE = """
import os, signal, sys
import numpy as np
from recsum import weights
from recsum.summarizers.scorer import PartScorer

folder, moment = sys.argv[1], sys.argv[2]
old = PartScorer.from_pretrained(folder)
new = PartScorer(old.config, {k: v + 1 for k, v in old.weights.items()})
if moment == "before the weights":
    weights.save_weights = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
else:  # between the weights' rename and the config's
    rename = os.replace
    def replace(source, target):
        if str(source).endswith("config.json"):
            os.kill(os.getpid(), signal.SIGKILL)
        rename(source, target)
    weights.os.replace = replace
new.save_pretrained(folder)
"""


@pytest.mark.parametrize("moment", ["before the weights", "between the renames"])
def test_a_model_save_killed_midway_leaves_the_old_model_or_a_one_line_refusal(tmp_path,
                                                                               moment):
    """Issue 24, row 11: a kill mid-save left the new config with the old weights, and
    summarizing with the folder succeeded."""
    import subprocess
    import sys

    import numpy as np

    from recsum.errors import RecsumError
    from recsum.summarizers.scorer import PartScorer

    folder = tmp_path / "part-model"
    PartScorer.from_pretrained().save_pretrained(folder)  # a pair saved together
    before = PartScorer.from_pretrained(folder).weights
    killed = subprocess.run([sys.executable, "-c", KILLED_SAVE, str(folder), moment],
                            capture_output=True, timeout=120)
    assert killed.returncode == -9, killed.stderr
    if moment == "before the weights":
        after = PartScorer.from_pretrained(folder).weights  # the old model, whole
        assert all(np.array_equal(before[name], after[name]) for name in before)
    else:
        with pytest.raises(RecsumError, match=r"were not saved with the config.json beside them "
                                              r"\(a save was interrupted\)"):
            PartScorer.from_pretrained(folder)
    # The next save replaces what the killed one left.
    PartScorer.from_pretrained().save_pretrained(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.safetensors"]
    PartScorer.from_pretrained(folder)


def test_a_training_checkpoint_cut_short_is_one_line(tmp_path):
    from recsum.errors import RecsumError
    from recsum.training.checkpoint import Checkpoint

    checkpoint = Checkpoint(tmp_path, "fingerprint")
    save_weights({"model.w": torch.ones(4, 4)}, checkpoint.path, {"fingerprint": "fingerprint"})
    cut_in_half(checkpoint.path)
    with pytest.raises(RecsumError, match=r"^training checkpoint .* is damaged or cut short .*; "
                                          r"pass --overwrite to start the training over$"):
        checkpoint.load(torch.nn.Linear(4, 4), None)
