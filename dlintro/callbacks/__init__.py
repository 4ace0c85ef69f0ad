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

Example:

    import keras, numpy as np
    from dlintro.callbacks import ActivationStatistics, GradientStatistics, TensorBoard

    x = np.random.rand(64, 2).astype("float32")
    y = (x.sum(axis=1, keepdims=True) > 1).astype("float32")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=5, verbose=0, callbacks=[
        TensorBoard("runs/mine"),
        ActivationStatistics("runs/mine", probe_x=x[:16]),
        GradientStatistics("runs/mine", probe_x=x[:16], probe_y=y[:16]),
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
