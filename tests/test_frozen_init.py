"""``frozen_init.fast_frozen_init``: the same instances as the dataclass's own ``__init__``, still frozen."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import pytest

from ascii_explain.build.records import Call, Term
from ascii_explain.frozen_init import fast_frozen_init
from ascii_explain.read.facts import LayerFacts, WeightFacts


@dataclasses.dataclass(frozen=True)
class _Plain:
    name: str
    shape: tuple = ()
    notes: dict = dataclasses.field(default_factory=dict)
    kinds: list = dataclasses.field(default_factory=list)
    limit: int = dataclasses.field(default=3, kw_only=True)
    shared: ClassVar[int] = 7


_Fast = fast_frozen_init(dataclasses.make_dataclass(
    "_Fast", [(f.name, f.type, f) for f in dataclasses.fields(_Plain)], frozen=True
))  # fmt: skip


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [(("a",), {}), (("a", (1, 2)), {}), (("a",), {"notes": {"k": 1}, "limit": 9}), ((), {"name": "b", "kinds": [1]})],
)
def test_the_fast_init_makes_what_the_dataclass_init_makes(args: tuple, kwargs: dict[str, Any]) -> None:
    fast, plain = _Fast(*args, **kwargs), _Plain(*args, **kwargs)
    assert dataclasses.asdict(fast) == dataclasses.asdict(plain)
    assert repr(fast).replace("_Fast", "_Plain") == repr(plain)
    assert fast == _Fast(*args, **kwargs)
    hashable = {"notes": None, "kinds": None}
    assert hash(dataclasses.replace(fast, **hashable)) == hash(dataclasses.replace(plain, **hashable))


def test_each_instance_gets_its_own_default_factory_value_and_stays_frozen() -> None:
    first, second = _Fast("a"), _Fast("b")
    assert first.notes == {} and first.notes is not second.notes and first.kinds is not second.kinds
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.name = "c"  # type: ignore[misc]
    with pytest.raises(TypeError):
        _Fast()  # type: ignore[call-arg]  # a required field stays required
    with pytest.raises(TypeError):
        _Fast("a", (), {}, [], 4)  # type: ignore[misc]  # a keyword-only field stays keyword-only


def test_a_class_it_cannot_speed_up_is_left_as_it_is() -> None:
    @dataclasses.dataclass(frozen=True)
    class Checked:
        size: int

        def __post_init__(self) -> None:
            if self.size < 0:
                raise ValueError("negative")

    @dataclasses.dataclass
    class Mutable:
        size: int

    for kind in (Checked, Mutable):
        init = kind.__init__
        assert fast_frozen_init(kind).__init__ is init
    with pytest.raises(ValueError):
        Checked(-1)


@pytest.mark.parametrize("kind", [LayerFacts, WeightFacts, Term, Call])
def test_the_facts_and_records_made_per_layer_use_it(kind: type) -> None:
    assert kind.__init__.__code__.co_filename == "<string>"  # the generated one, not dataclasses'
    assert kind.__init__.__qualname__ == f"{kind.__qualname__}.__init__"
