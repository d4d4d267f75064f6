"""Facts -> records: ``records.py`` (the public LayerRecord, Term, Call), one layer's record
(``layer.py``), its costs (``costs.py``) and a whole model's rows (``model.py``).

Nothing here touches a Keras object: everything comes from ``read.facts``.
"""
