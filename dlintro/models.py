"""Every lesson's model factories, in one place, read from each lesson's `FACTORIES`.

Each factory returns a compiled `keras.Model` that needs nothing from dlintro to train,
evaluate, save or load: use it with plain `model.fit(...)` and your own callbacks.

Example:
    >>> from dlintro import datasets
    >>> from dlintro.models import xor_network
    >>> model = xor_network(hidden_units=8, hidden_activation="tanh")
    >>> x, y = datasets.load("gates", gate="xor")
    >>> model.fit(x, y, epochs=500, verbose=0)
    >>> model.save("xor.keras")
"""

from dlintro import lessons

__all__ = []
for _name in lessons.NAMES:
    for _factory in lessons.load(_name).FACTORIES:
        globals()[_factory.__name__] = _factory
        __all__.append(_factory.__name__)
