"""The study preset: one typed configuration and the stages it expands to.

The study trains one model per language composition (``mono-ko``, ``mono-en``, ``cross-only`` = ko-en + en-ko,
``all-four``) from the same base model, dataset, pair budget and seed; evaluates the base model and every trained
model in the four directions on the held-out split (and on Belebele when a local copy is given); then sweeps a
linear merge from the monolingual-trained models (mono-ko and mono-en, equal shares) to the cross-lingual-trained
model (cross-only), as the paper merges monolingual and cross-lingual retrievers; and finally writes a report.

Two settings: ``quick`` (about 30 minutes on a 2-core CPU with the bundled model: 1,000 pairs, batch 32, 128 tokens,
frozen word embeddings, 300 held-out queries, 5 sweep points) and ``full`` (GPU: larger batches and sequences,
every held-out query, 11 sweep points). Any field given explicitly overrides the setting's default.

Example:
    >>> config = StudyConfig.for_setting("quick", dataset="demo/ko-en-qa",
    ...                                  base_model="bundled/multilingual-e5-small", budget=200)
    >>> config.batch_size, config.sweep_alphas()
    (32, [0.0, 0.25, 0.5, 0.75, 1.0])
    >>> [s.key for s in plan_stages(config)][:3]
    ['prepare', 'evaluate:base', 'train:mono-ko']
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from studio.errors import StudioError

Setting = Literal["quick", "full"]
COMPOSITIONS = ("mono-ko", "mono-en", "cross-only", "all-four")  # keys of studio.data.mixes.PRESETS
MONO_SIDE = ("mono-ko", "mono-en")  # the sweep's alpha = 0 end: monolingual-trained models, equal shares
CROSS_SIDE = ("cross-only",)  # the sweep's alpha = 1 end: the cross-lingual-trained model
BASE = "base"
HELDOUT, BELEBELE = "heldout", "belebele"
BELEBELE_DATASET = "benchmark/belebele"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")

SETTING_DEFAULTS: dict[str, dict[str, Any]] = {
    "quick": {"budget": 1000, "batch_size": 32, "max_seq_length": 128, "freeze_embeddings": True,
              "learning_rate": 5e-5, "epochs": 1.0, "dev_limit": 0, "eval_limit": 300, "eval_max_seq_length": 256,
              "sweep_steps": 5, "sweep_on_belebele": False},
    "full": {"budget": 4000, "batch_size": 64, "max_seq_length": 256, "freeze_embeddings": False,
             "learning_rate": 2e-5, "epochs": 1.0, "dev_limit": 500, "eval_limit": 0, "eval_max_seq_length": 512,
             "sweep_steps": 11, "sweep_on_belebele": True},
}


class StudyConfigError(StudioError):
    """A study configuration is invalid."""


class StudyConfig(BaseModel):
    """Everything that defines a study run (the ``study`` job's payload, recorded in its report)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset: str = Field(description="registered parallel dataset (split into train/dev/test)")
    base_model: str = Field(description="registered model every composition starts from")
    budget: int = Field(1000, ge=4, description="training pairs per composition (same for all four)")
    seed: int = Field(0, ge=0, description="seed of the mixes and of training")
    setting: Setting = Field("quick", description="quick: ~30 min on a 2-core CPU; full: GPU-sized")
    split: str = Field("test", description="held-out split every model is evaluated on")
    belebele_dir: Optional[str] = Field(None, description="local Belebele folder (also evaluate on Belebele)")
    name: Optional[str] = Field(None, description="study name (default: study-<job id>); names models and mixes")
    batch_size: int = Field(32, ge=2, le=65536, description="pairs per training step")
    max_seq_length: int = Field(128, ge=8, le=8192, description="tokens per text in training")
    freeze_embeddings: bool = Field(True, description="freeze the word-embedding matrix while training")
    learning_rate: float = Field(5e-5, gt=0, le=0.1, description="peak learning rate")
    epochs: float = Field(1.0, gt=0, le=100, description="passes over each composition's pairs")
    dev_limit: int = Field(0, ge=0, description="dev records evaluated during training (0: none)")
    eval_limit: int = Field(300, ge=0, description="held-out queries evaluated (0: all)")
    eval_max_seq_length: int = Field(256, ge=8, le=8192, description="tokens per text when evaluating (every model)")
    sweep_steps: int = Field(5, ge=2, le=101, description="merge weights from 0 to 1 inclusive")
    sweep_on_belebele: bool = Field(False, description="also evaluate the sweep's merges on Belebele")
    save_steps: int = Field(0, ge=0, description="checkpoint every N training steps (0: about four per run, "
                                                 "at least 10 steps apart)")
    keep_checkpoints: bool = Field(False, description="keep training checkpoints after a model is registered")

    @field_validator("dataset", "base_model", "split")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @field_validator("name")
    @classmethod
    def _usable_name(cls, value: Optional[str]) -> Optional[str]:
        if value is None or not value.strip():
            return None
        if not NAME_PATTERN.match(value.strip()):
            raise ValueError(f"{value!r} is not a usable study name: use up to 80 letters, digits, '.', '_' and '-'")
        return value.strip()

    @field_validator("belebele_dir")
    @classmethod
    def _blank_is_none(cls, value: Optional[str]) -> Optional[str]:
        return value.strip() if value and value.strip() else None

    @classmethod
    def for_setting(cls, setting: str = "quick", **values: Any) -> StudyConfig:
        """A validated config: ``values`` (None means "the default") over the defaults of ``setting``.

        Raises:
            StudyConfigError: one sentence listing every invalid field.
        """
        if setting not in SETTING_DEFAULTS:
            raise StudyConfigError(f"Unknown setting {setting!r}; choose quick or full.")
        given = {key: value for key, value in values.items() if value is not None}
        return parse_study({**SETTING_DEFAULTS[setting], **given, "setting": setting})

    def study_name(self, job_id: int) -> str:
        """The study's name: the one given, else ``study-<job id>``."""
        return self.name or f"study-{job_id}"

    def sweep_alphas(self) -> list[float]:
        """Shares of the cross-lingual side, evenly from 0 to 1 inclusive."""
        return [round(i / (self.sweep_steps - 1), 4) for i in range(self.sweep_steps)]

    def eval_limit_or_none(self) -> Optional[int]:
        return self.eval_limit or None


def parse_study(values: dict[str, Any]) -> StudyConfig:
    """Validate a payload or form into a StudyConfig, or raise StudyConfigError with readable reasons."""
    try:
        return StudyConfig.model_validate(values)
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'config'}: {error['msg'].removeprefix('Value error, ').rstrip('.')}"
            for error in exc.errors())
        raise StudyConfigError(f"Invalid study configuration: {reasons}.") from None


# ---------------------------------------------------------------------------------------------- names
def model_name(study: str, composition: str) -> str:
    """Registered name of the model a study trains on ``composition`` (``study-7/cross-only``)."""
    return f"{study}/{composition}"


def mix_name(study: str, composition: str) -> str:
    """Name of the mix a study composes for ``composition``."""
    return f"{study}/{composition}"


def merge_label(alpha: float) -> str:
    """Label of a sweep point: the cross-lingual share, e.g. ``merge α=0.25``."""
    return f"merge α={alpha:.2f}"


# --------------------------------------------------------------------------------------------- stages
@dataclass(frozen=True)
class Stage:
    """One step of a study; ``key`` is stable (a retried study skips stages whose key it has recorded).

    Attributes:
        key: e.g. ``train:mono-ko``, ``evaluate:cross-only``, ``belebele:base``, ``sweep:0.25``.
        kind: prepare | train | evaluate | sweep | report.
        label: what the UI shows.
        subject: ``base``, a composition, or the alpha of a sweep point as text.
        benchmark: ``heldout`` or ``belebele`` (evaluate and sweep stages).
    """

    key: str
    kind: str
    label: str
    subject: str = ""
    benchmark: str = HELDOUT

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def _evaluations(subject: str, belebele: bool, what: str) -> list[Stage]:
    stages = [Stage(f"evaluate:{subject}", "evaluate", f"evaluate {what} (held-out split)", subject)]
    if belebele:
        stages.append(Stage(f"belebele:{subject}", "evaluate", f"evaluate {what} (Belebele)", subject, BELEBELE))
    return stages


def plan_stages(config: StudyConfig, belebele: Optional[bool] = None) -> list[Stage]:
    """The study's stages in the order they run (Belebele ones only when a Belebele folder is known)."""
    belebele = bool(config.belebele_dir) if belebele is None else belebele
    stages = [Stage("prepare", "prepare", "compose the four mixes")]
    stages += _evaluations(BASE, belebele, "the base model")
    for composition in COMPOSITIONS:
        stages.append(Stage(f"train:{composition}", "train", f"train {composition}", composition))
        stages += _evaluations(composition, belebele, composition)
    for alpha in config.sweep_alphas():
        if _sweep_point_is_parent(alpha):
            continue  # the endpoint is a trained model: its evaluation is reused
        stages.append(Stage(f"sweep:{alpha:g}", "sweep", f"{merge_label(alpha)} (held-out split)", f"{alpha:g}"))
        if belebele and config.sweep_on_belebele:
            stages.append(Stage(f"sweep-belebele:{alpha:g}", "sweep", f"{merge_label(alpha)} (Belebele)",
                                f"{alpha:g}", BELEBELE))
    stages.append(Stage("report", "report", "write the report"))
    return stages


def _sweep_point_is_parent(alpha: float) -> bool:
    """True when the merge at ``alpha`` is exactly one trained model (a side with a single model, weight 1)."""
    return (alpha == 1.0 and len(CROSS_SIDE) == 1) or (alpha == 0.0 and len(MONO_SIDE) == 1)


def endpoint_model(alpha: float) -> Optional[str]:
    """The composition a sweep endpoint equals (its evaluation is reused), or None."""
    if alpha == 1.0 and len(CROSS_SIDE) == 1:
        return CROSS_SIDE[0]
    if alpha == 0.0 and len(MONO_SIDE) == 1:
        return MONO_SIDE[0]
    return None


def field_help() -> dict[str, tuple[Any, str]]:
    """Field name -> (default, description), for CLI help and form labels."""
    return {name: (info.default, info.description or "") for name, info in StudyConfig.model_fields.items()}


def training_steps(config: StudyConfig) -> int:
    """Optimiser steps of one composition's training run."""
    per_epoch = -(-config.budget // config.batch_size)
    return max(1, int(per_epoch * config.epochs + 0.999))


def train_config(config: StudyConfig, study: str, composition: str) -> Any:
    """The :class:`~studio.train.config.TrainConfig` of one composition (same everything but the mix)."""
    from studio.train.config import parse_config

    steps = training_steps(config)
    every = config.save_steps or max(10, min(200, -(-steps // 4)))
    return parse_config({
        "base_model": config.base_model, "mix": mix_name(study, composition), "name": model_name(study, composition),
        "learning_rate": config.learning_rate, "epochs": config.epochs, "batch_size": config.batch_size,
        "mini_batch_size": min(32, config.batch_size), "max_seq_length": config.max_seq_length, "seed": config.seed,
        "freeze_embeddings": config.freeze_embeddings, "save_steps": every, "save_total_limit": 1,
        "eval_steps": every if config.dev_limit else 0, "dev_limit": config.dev_limit,
    })
