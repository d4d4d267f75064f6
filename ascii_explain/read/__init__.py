"""Reading Keras: the only sub-package that touches Keras objects.

``model.py`` validates what ``explain`` was given, picks a reader once
(``keras3.py`` for Keras 3 on any backend, ``legacy.py`` for Keras 2's
``tf_keras``; both subclass ``reader.py``) and reads the model into the plain
facts of ``facts.py``. ``files.py`` loads the command line's model files.
Every private Keras attribute read here names the Keras version it was
checked against.

Nothing is imported here: ``import ascii_explain`` must not import Keras,
and explaining must not import the file loaders.
"""
