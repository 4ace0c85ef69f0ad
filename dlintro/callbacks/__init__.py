"""Keras callbacks that show what happens inside a network in TensorBoard.

Attach them to any Keras model's `fit`; each writes to the `log_dir` you give it:

- `TensorBoard`: Keras's own callback (losses, metrics, weight histograms, graph), with steps
  counted in passes over the data and nothing non-finite ever written;
- `ActivationStatistics`: every layer's activations on a fixed probe batch, as histograms, and
  per-layer mean, std, share of saturated sigmoid/tanh units and share of dead ReLU units;
- `GradientStatistics`: the gradient of the loss for every trainable weight on the probe batch,
  as histograms, and per-layer gradient norms drawn together in one Custom Scalars chart;
- `DecisionBoundaryImages`: a 2-D classifier's output over the input plane, as pictures;
- `FittedCurveImages`: a one-input regressor's curve against the target curve, as pictures;
- `HiddenUnitImages`: each hidden unit of a two-input net over the input plane, as heat maps;
- `FilterImages`: a convolution layer's learned filters, as pictures;
- `GradientNormBars`: every layer's gradient norm as a bar chart on a log scale, as a picture;
- `TrainValidationChart`: a run's training and validation loss in one Custom Scalars chart;
- `WeightScalars`: each weight of a small model (a single neuron) as its own scalar curve;
- `LossSurfacePath`: a two-weight linear neuron's loss surface with the path of its weights;
- `NetworkMap`: a two-input Dense network as TensorFlow Playground draws it: every unit's output
  over the input plane, the weights as lines coloured by sign and thick by magnitude;
- `StartLosses`, `StartClasses`, `LossCurvePaths`: for models that train many random starts at
  once (the minima lesson): each start's loss, where each start stands (solved, minimum,
  saddle, still moving, from its exact gradient and Hessian), and the starts' paths on a
  one-weight loss curve.

`TensorBoard`, `ActivationStatistics` and `GradientStatistics` work on your own Keras models:
Sequential (with or without `Input`), Functional and subclassed models, models with a custom
`train_step` (whose loss `compile` or `compute_loss` gives), nested models (their inner layers
tagged by path, `activations/encoder/dense_1`), shared layers (one activation histogram per
call), several inputs and outputs as lists or dicts, integer inputs (`Embedding`), `LSTM`,
`GRU`, convolutions, `MultiHeadAttention`, normalization, dropout and preprocessing layers
(seen in inference mode), frozen parts (activations, no gradients), the `mixed_float16`
policy and `tf.distribute.MirroredStrategy`. A probe the model cannot take is refused with a
ValueError when training starts, before anything is written. Limits that remain: a built-in
Keras layer is one layer (an LSTM's cell or a MultiHeadAttention's projections get no
histogram of their own); a model Keras has not built when training starts (subclassed,
Sequential without `Input`) is built from the probe, so a probe that does not fit the training
data is refused by Keras at the first batch (still with nothing written); GradientStatistics
needs the loss from `compile` or `compute_loss`, not one computed only inside `train_step`.

Example (two named inputs, one of token ids, and two named outputs):

    import keras, numpy as np
    from dlintro.callbacks import ActivationStatistics, GradientStatistics, TensorBoard

    title, tags = keras.Input((10,), dtype="int32", name="title"), keras.Input((4,), name="tags")
    words = keras.layers.LSTM(8)(keras.layers.Embedding(100, 8)(title))
    features = keras.layers.concatenate([words, tags])
    model = keras.Model([title, tags], {"priority": keras.layers.Dense(1, name="priority")(features),
                                        "topic": keras.layers.Dense(3, name="topic")(features)})
    model.compile("adam", {"priority": "mse", "topic": "sparse_categorical_crossentropy"})
    x = {"title": np.random.randint(0, 100, (64, 10)), "tags": np.random.rand(64, 4)}
    y = {"priority": np.random.rand(64, 1), "topic": np.random.randint(0, 3, 64)}
    probe_x = {name: value[:16] for name, value in x.items()}
    probe_y = {name: value[:16] for name, value in y.items()}
    model.fit(x, y, epochs=5, verbose=0, callbacks=[
        TensorBoard("runs/mine"),
        ActivationStatistics("runs/mine", probe_x=probe_x),
        GradientStatistics("runs/mine", probe_x=probe_x, probe_y=probe_y),
    ])
"""

from dlintro.callbacks.activations import ActivationStatistics
from dlintro.callbacks.curve import FittedCurveImages
from dlintro.callbacks.decision_boundary import DecisionBoundaryImages
from dlintro.callbacks.filters import FilterImages
from dlintro.callbacks.gradient_bars import GradientNormBars
from dlintro.callbacks.gradients import GradientStatistics
from dlintro.callbacks.hidden_units import HiddenUnitImages
from dlintro.callbacks.loss_curve import LossCurvePaths
from dlintro.callbacks.loss_surface import LossSurfacePath
from dlintro.callbacks.network_map import NetworkMap
from dlintro.callbacks.critical_points import StartClasses
from dlintro.callbacks.start_losses import StartLosses
from dlintro.callbacks.tensorboard import TensorBoard
from dlintro.callbacks.train_validation import TrainValidationChart
from dlintro.callbacks.weight_scalars import WeightScalars

__all__ = [
    "ActivationStatistics",
    "DecisionBoundaryImages",
    "FilterImages",
    "FittedCurveImages",
    "GradientNormBars",
    "GradientStatistics",
    "HiddenUnitImages",
    "LossCurvePaths",
    "LossSurfacePath",
    "NetworkMap",
    "StartClasses",
    "StartLosses",
    "TensorBoard",
    "TrainValidationChart",
    "WeightScalars",
]
