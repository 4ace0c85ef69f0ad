"""dlintro: the first ideas of deep learning, done one lesson at a time and seen in TensorBoard.

- `dlintro.lessons`: the lessons, by name (`python -m dlintro list`).
- `dlintro.models`: every lesson's model factories, each returning a `keras.Model`.
- `dlintro.callbacks`: TensorBoard callbacks for activations, gradients and pictures.
- `dlintro.runner.run_lesson`: trains a lesson's variants and checks its claim.

Importing `dlintro` itself does not import TensorFlow.
"""

__version__ = "0.1.0"
