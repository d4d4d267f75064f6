"""Variables with a shape and no value: how to find them and keep Keras from allocating them.

Keras 3 builds a model inside ``StatelessScope(initialize_variables=False)``
with every variable shaped and ``_value = None`` (keras/src/backend/common/variables.py,
checked on Keras 3.15.1). ``stateless.py`` builds models that way from a
config; a user may build one so too. Explaining reads such a model from shapes
alone (``read_model`` wraps its reading in ``values_left_unallocated``); this
module is what that needs, without the file loaders.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator


def unallocated_variables(model: Any) -> list:
    """The model's variables that have a shape but no value (built in a stateless scope, never initialised).

    Reads ``Variable._value`` (private; None until ``_deferred_initialize`` or
    an assignment, Keras 3.15.1).
    """
    return [variable for variable in model.variables if getattr(variable, "_value", True) is None]


def is_stateless(model: Any) -> bool:
    """True when the model has variables and none of them holds a value: shapes and counts only."""
    variables = list(model.variables)
    return bool(variables) and len(unallocated_variables(model)) == len(variables)


def keep_unallocated(model: Any) -> None:
    """Take the model's unallocated variables off Keras's deferred-initialisation list.

    For a model the user built in ``StatelessScope(initialize_variables=False)``:
    until then, the next symbolic call of almost any layer in the process (building
    another functional model, for one) allocates every one of its variables --
    see ``building_without_values``. ``model_from_path`` does this itself.
    """
    from keras.src.backend.common import global_state

    ours = {id(variable) for variable in unallocated_variables(model)}
    pending = _pending_initialisation(global_state)
    pending[:] = [variable for variable in pending if id(variable) not in ours]


@contextmanager
def values_left_unallocated(model: Any) -> Iterator[None]:
    """While reading ``model``, and after, keep its unallocated variables off Keras's deferred-initialisation list.

    Reading can make a symbolic call (a layer with no ``compute_output_shape``
    goes through the backend's ``compute_output_spec``), whose outermost
    ``StatelessScope`` would allocate every pending variable -- 27 GB for a 7B
    model the user built in ``StatelessScope(initialize_variables=False)``.
    They are not put back afterwards: on that list, the next symbolic call
    anywhere in the process (explaining a small model at an ``input_shape``,
    building another keras-hub backbone) would allocate all of them. So after
    an explanation the process is as a fresh one: nothing of the model pending
    (``keep_unallocated``, done for the user).
    """
    from keras.src.backend.common import global_state

    # Nothing pending in the process (nearly always): nothing of the model to take off, and no walk of its
    # variables to find out (a twentieth of explaining ResNet50V2).
    if global_state.get_global_attribute("uninitialized_variables"):
        unallocated = unallocated_variables(model) if _is_keras3(model) else []
        if unallocated:
            keep_unallocated(model)
    yield


def _is_keras3(model: Any) -> bool:
    import keras

    return isinstance(model, keras.layers.Layer)


@contextmanager
def building_without_values() -> Iterator[None]:
    """Build inside ``StatelessScope(initialize_variables=False)``, then keep the new variables unallocated.

    A variable created in a stateless scope is also appended to Keras's global
    ``uninitialized_variables`` list, and the exit of ANY later outermost
    ``StatelessScope()`` with the default ``initialize_variables=True`` calls
    ``initialize_all_variables()`` on that list -- for example the TensorFlow
    backend's ``compute_output_spec`` (keras/src/backend/tensorflow/core.py,
    3.15.1), which a symbolic call of a layer without ``compute_output_shape``
    goes through. One such call would allocate all 27 GB of a 7B model. So the
    variables this build created are taken off that list: they stay shapes.
    A symbolic call still works: ``Variable.value`` then returns the
    initializer's output as a graph placeholder, never stored.
    """
    from keras.src.backend.common import global_state
    from keras.src.backend.common.stateless_scope import StatelessScope

    pending_before = {id(variable) for variable in _pending_initialisation(global_state)}
    try:
        with StatelessScope(initialize_variables=False):
            yield
    finally:
        pending = _pending_initialisation(global_state)
        pending[:] = [variable for variable in pending if id(variable) in pending_before]


def _pending_initialisation(global_state: Any) -> list:
    # keras/src/backend/common/variables.py register_uninitialized_variable (3.15.1)
    pending = global_state.get_global_attribute("uninitialized_variables", [], set_to_default=True)
    return pending  # type: ignore[no-any-return]
