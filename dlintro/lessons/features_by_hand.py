"""Lesson features by hand: a person's features of one digit, and one learned filter slid over it.

`digit_features_and_filter` computes, from one 8x8 digit, the lesson's 24 hand-made features
(ink per row and column, symmetry, strokes, centre of ink) and the map one 5x5 filter makes
as it slides across the digit. `compare` checks the features against the lesson's
`DigitFeatures` layer and the map against the first filter of the CNN's convolution layer.
"""

import keras
import numpy as np

from dlintro.i18n import N_
from dlintro.lessons import features
from dlintro.lessons.by_hand import Comparison, largest_difference


def digit_features_and_filter(pixels, kernel, bias):
    """One digit's 24 hand-made features, and the 8x8 map of one 5x5 filter (with ReLU) over it."""
    image = np.asarray(pixels, dtype=np.float64).reshape(8, 8)  # grey levels in [0, 1]
    rows, columns = image.mean(axis=1), image.mean(axis=0)  # ink per row, per column
    left_right = np.abs(image - image[:, ::-1]).mean()  # 0 when the right half mirrors the left
    top_bottom = np.abs(image - image[::-1, :]).mean()  # 0 when the bottom half mirrors the top
    ink = (image > 0.5).astype(np.float64)  # dark pixels only
    # Strokes met along the two middle rows and columns: blank-to-ink steps, divided by 4.
    strokes = [(line[0] + np.maximum(np.diff(line), 0).sum()) / 4 for line in (ink[3], ink[4], ink[:, 3], ink[:, 4])]
    position = np.arange(8) / 7  # 0 at the top or left, 1 at the bottom or right
    total = rows.sum() + 1e-6
    # The centre of the ink: its average row and column, from 0 (top, left) to 1 (bottom, right).
    centre_row, centre_column = (rows * position).sum() / total, (columns * position).sum() / total
    handmade = np.concatenate([rows, columns, [left_right, top_bottom, *strokes, centre_row, centre_column]])
    # The filter: at each pixel, the weighted sum of the 5x5 pixels around it. A border of two
    # blank pixels (Keras's padding="same") keeps the map 8x8.
    padded = np.pad(image, 2)
    feature_map = np.zeros((8, 8))
    for row in range(8):
        for column in range(8):
            feature_map[row, column] = np.sum(padded[row : row + 5, column : column + 5] * kernel) + bias
    return handmade, np.maximum(feature_map, 0)  # ReLU, as the CNN's convolution layer has


FUNCTION = digit_features_and_filter
DIGITS = 10  # the first training digits, one at a time
# Features and filter responses are about 0 to 2; float32 (Keras) rounds them to about 1e-7
# against float64 (NumPy). 1e-5 allows for that; a filter read flipped (a true convolution
# instead of Keras's sliding weighted sum) or a feature off by one row is 1e-2 or more away.
TOLERANCE = 1e-5


def compare(seed=0):
    """Hand-made features and filter maps against the lesson's DigitFeatures layer and CNN, on 10 digits."""
    keras.utils.set_random_seed(seed)
    config = features.Config(seed=seed)
    (x, unused), validation, test = features.digit_data(config)
    digits = x[:DIGITS]
    feature_layer = features.dense_digit_classifier(handmade_features=True).get_layer("features")
    cnn = features.digit_cnn(config.cnn_filters, config.digit_learning_rate)
    conv = cnn.get_layer("conv")
    kernel = np.asarray(conv.kernel)[:, :, 0, 0]  # the first filter's 5x5 weights
    # Keras starts the bias at 0; a random one checks that it is added too.
    bias = float(np.float32(np.random.default_rng(seed).normal(0.0, 0.1)))
    conv.bias.assign(np.array([bias] + [0.0] * (config.cnn_filters - 1), dtype="float32"))
    maps = np.asarray(keras.Model(cnn.input, conv.output)(digits))[..., 0]  # the first filter's maps
    mine = [digit_features_and_filter(digit, kernel, bias) for digit in digits]
    return Comparison(
        what=N_("{features} hand-made features and one {size}x{size} filter's map on each of {digits} digits, NumPy vs "
                "the lesson's DigitFeatures layer and digit_cnn's Conv2D"),
        details={"features": len(mine[0][0]), "size": len(kernel), "digits": len(digits)},
        largest_difference=max(
            largest_difference([m[0] for m in mine], np.asarray(feature_layer(digits))),
            largest_difference([m[1] for m in mine], maps),
        ),
        tolerance=TOLERANCE,
    )
