"""TrainConfig: the one typed, validated schema of a training run.

The UI form, the CLI flags and the stored job payload are all a ``TrainConfig``; defaults depend on the
device (a 2-core CPU wants small batches, short sequences and a frozen embedding matrix; a GPU does not).

Example:
    >>> config = TrainConfig.for_device("cpu", base_model="bundled/multilingual-e5-small",
    ...                                 mix="demo-all4", name="e5-demo")
    >>> config.batch_size, config.freeze_embeddings
    (16, True)
    >>> TrainConfig.model_validate(config.model_dump()) == config   # the job payload round-trips
    True
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from studio.errors import StudioError

Device = Literal["cpu", "cuda"]

DEVICE_DEFAULTS: dict[str, dict[str, Any]] = {
    "cpu": {"batch_size": 16, "mini_batch_size": 8, "max_seq_length": 128, "freeze_embeddings": True,
            "save_steps": 50, "eval_steps": 50, "dev_limit": 200},
    "cuda": {"batch_size": 64, "mini_batch_size": 32, "max_seq_length": 256, "freeze_embeddings": False,
             "save_steps": 200, "eval_steps": 200, "dev_limit": 1000},
}


class TrainConfigError(StudioError):
    """A training configuration is invalid."""


class TrainConfig(BaseModel):
    """Everything that defines a training run (stored as the job payload and in the model's lineage)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_model: str = Field(description="registered model to start from")
    mix: str = Field(description="saved language mix to train on")
    name: str = Field(description="name to register the trained model under")
    loss: Literal["mnrl", "cached_mnrl"] = Field(
        "mnrl", description="mnrl: MultipleNegativesRankingLoss; cached_mnrl: its cached (GradCache) variant "
                            "for large batches in little memory")
    learning_rate: float = Field(2e-5, gt=0, le=0.1, description="peak learning rate (linear decay)")
    epochs: float = Field(1.0, gt=0, le=100, description="passes over the mix (ignored when max_steps > 0)")
    max_steps: int = Field(0, ge=0, description="stop after this many optimiser steps (0: use epochs)")
    batch_size: int = Field(16, ge=2, le=65536, description="pairs per step; the others in a batch are negatives")
    mini_batch_size: int = Field(8, ge=1, le=4096, description="pairs per forward pass with cached_mnrl")
    warmup_ratio: float = Field(0.1, ge=0, lt=1, description="fraction of steps with a rising learning rate")
    max_seq_length: int = Field(128, ge=8, le=8192, description="tokens kept per text (prompt included)")
    seed: int = Field(42, ge=0, description="random seed (data order, initialisation)")
    freeze_embeddings: bool = Field(True, description="freeze the word-embedding matrix (faster, less memory)")
    save_steps: int = Field(50, ge=1, description="write a checkpoint every N steps")
    save_total_limit: int = Field(2, ge=1, le=100, description="keep the last K checkpoints")
    eval_steps: int = Field(50, ge=0, description="evaluate on the dev split every N steps (0: only before and after)")
    dev_limit: int = Field(200, ge=0, description="dev records used for evaluation (0: no dev evaluation)")
    precision: Literal["auto", "fp32", "bf16", "fp16"] = Field(
        "auto", description="auto: bf16 (or fp16) on a GPU, fp32 on a CPU")

    @field_validator("name")
    @classmethod
    def _usable_name(cls, value: str) -> str:
        from studio.models import validate_name

        try:
            return validate_name(value)
        except StudioError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("base_model", "mix")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @model_validator(mode="after")
    def _consistent(self) -> TrainConfig:
        if self.loss == "cached_mnrl" and self.mini_batch_size > self.batch_size:
            raise ValueError(f"mini_batch_size ({self.mini_batch_size}) must not exceed batch_size "
                             f"({self.batch_size}) with cached_mnrl")
        return self

    @classmethod
    def for_device(cls, device: Optional[str] = None, **values: Any) -> TrainConfig:
        """A validated config: ``values`` over the defaults of ``device`` (detected when None).

        Raises:
            TrainConfigError: one sentence per invalid field.
        """
        device = device or detect_device()
        given = {key: value for key, value in values.items() if value is not None}
        return parse_config({**DEVICE_DEFAULTS["cuda" if device == "cuda" else "cpu"], **given})

    @property
    def hyper_parameters(self) -> dict[str, Any]:
        """The fields that shape the result (for the model's lineage)."""
        return self.model_dump(exclude={"base_model", "mix", "name"})

    def resolved_precision(self, device: str) -> str:
        """fp32 on CPU; on GPU ``auto`` means bf16 when supported, else fp16."""
        if device != "cuda":
            return "fp32"
        if self.precision != "auto":
            return self.precision
        import torch

        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"


def parse_config(values: dict[str, Any]) -> TrainConfig:
    """Validate a payload or form into a TrainConfig, or raise TrainConfigError with readable reasons."""
    try:
        return TrainConfig.model_validate(values)
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'config'}: "
            f"{error['msg'].removeprefix('Value error, ').rstrip('.')}"
            for error in exc.errors()
        )
        raise TrainConfigError(f"Invalid training configuration: {reasons}.") from None


def detect_device() -> str:
    """``cuda`` when torch sees a GPU (``STUDIO_DEVICE`` overrides), else ``cpu``."""
    forced = os.environ.get("STUDIO_DEVICE", "").strip().lower()
    if forced in ("cpu", "cuda"):
        return forced
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def likely_device() -> str:
    """Like ``detect_device`` but without importing torch (for UI defaults at start-up).

    Uses torch when it is already imported; otherwise a visible NVIDIA GPU means ``cuda``.
    """
    forced = os.environ.get("STUDIO_DEVICE", "").strip().lower()
    if forced in ("cpu", "cuda") or "torch" in sys.modules:
        return detect_device()
    gpus = Path("/proc/driver/nvidia/gpus")
    return "cuda" if gpus.is_dir() and any(gpus.iterdir()) else "cpu"


def field_help() -> dict[str, tuple[Any, str]]:
    """Field name -> (default, description), for generated CLI flags and form labels."""
    return {name: (info.default, info.description or "") for name, info in TrainConfig.model_fields.items()}
