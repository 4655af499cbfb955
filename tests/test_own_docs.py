"""gradsh checks its own docs: the README's examples and commands, and the example transcripts in scripts/."""

import re
import subprocess
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def gradsh(*args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sysconfig.get_path("scripts")) / "gradsh"
    return subprocess.run(
        [str(script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=False,
        stdin=subprocess.DEVNULL,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
    )


def test_readme_and_example_transcripts_pass_on_the_engine() -> None:
    result = gradsh("check", "README.md", "scripts")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parity
def test_readme_and_example_transcripts_pass_on_real_torch() -> None:
    pytest.importorskip("torch")
    result = gradsh("check", "--backend", "torch", "README.md", "scripts")
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_main_job_command_replays_the_seed_article() -> None:
    commands = re.findall(r"```sh\n(.*?)\n```", README.read_text(encoding="utf-8"), re.DOTALL)
    main_job = commands[0]
    assert main_job.endswith(".venv/bin/gradsh run scripts/seed_article_2.txt")
    result = gradsh("run", "scripts/seed_article_2.txt")
    assert result.returncode == 0, result.stderr
    assert "b (new): [3, 4] float32 requires_grad=True is_leaf=False grad_fn=<MulBackward0>" in result.stdout


def test_training_loop_transcript_prints_pytorchs_losses() -> None:
    """scripts/training_loop.txt (recorded on real PyTorch) replays on the engine, every line the same."""
    text = (ROOT / "scripts" / "training_loop.txt").read_text(encoding="utf-8")
    assert "epoch 2: loss 0.1230, lr 0.00077" in text  # the recorded outputs are in the file
    result = gradsh("check", "scripts/training_loop.txt")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "22 passed, 0 failed" in result.stdout
