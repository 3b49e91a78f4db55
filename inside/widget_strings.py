"""The words of the look-inside widgets' JavaScript modules (static/js/widgets/{architecture,feature-maps,filters,
neuron,occlusion,sanity-check}.js and static/js/lib/inside*.js), merged into lessons.widget_strings.STRINGS.

Where the analyze page or another widget already says the same thing, the msgid is the same (written out
again here: lessons.widget_strings imports this module, so it cannot be imported from here).
"""
from django.utils.translation import gettext_lazy as _

from edge.lab_strings import LIVE_OCCLUSION
from training.views import FAMILY_NAMES

COMMON = {
    "error": _("Something went wrong. Try again."),
    "label_cat": _("cat"), "label_dog": _("dog"), "answer_unusual": _("unusual"),
    "choose_photo": _("Your recent photos: choose one to look inside the model while it answers it."),
    "photo_answer": _("Your photo (the network said: %(answer)s)"),
    "photo_alt": _("Your photo"),
    "opacity": _("Opacity"),
    "computed_in": _("Computed on the server in %(value)s ms."),
    "points": _("%(value)s points"),
}
FAMILIES = {
    "family_lite0_imagenet": _("pretrained EfficientNet-Lite0 (the 1,000 ImageNet classes)"),
    "family_lite0_transfer": FAMILY_NAMES["lite0_transfer"], "family_student_cnn": FAMILY_NAMES["student_cnn"],
}
LAYER_TYPES = {  # a layer's Keras class, in words
    "type_InputLayer": _("input"), "type_Cast": _("conversion to decimal numbers"),
    "type_Rescaling": _("rescaling of the pixel values"), "type_Resizing": _("resizing"),
    "type_Conv2D": _("convolution"), "type_DepthwiseConv2D": _("depthwise convolution (one filter per channel)"),
    "type_BatchNormalization": _("batch normalisation"), "type_ReLU": _("activation (ReLU)"),
    "type_Activation": _("activation"), "type_Add": _("sum with the block's input (shortcut)"),
    "type_MaxPooling2D": _("max pooling"), "type_AveragePooling2D": _("average pooling"),
    "type_GlobalAveragePooling2D": _("global average pooling (one number per channel)"),
    "type_Flatten": _("flattening"), "type_Dropout": _("dropout"), "type_Dense": _("dense layer (scores per class)"),
    "type_Softmax": _("softmax (scores into probabilities)"), "type_Multiply": _("multiplication"),
}
LEGEND = {  # a channel's picture over the photo: each channel on its own scale
    "legend_low": _("lowest"), "legend_high": _("highest value of this channel"),
}
FEATURE_MAPS = {  # the panel of one layer (lib/inside_feature_maps.js)
    **LAYER_TYPES, **LEGEND,
    "computing_maps": _("Running your photo through the network up to this layer…"),
    "computing_channel": _("Computing this channel…"),
    "output_maps": _("Its output: %(channels)s feature maps (channels), each a grid of %(height)s × %(width)s "
                     "numbers."),
    "output_vector": _("Its output: a list of %(count)s numbers (no grid any more)."),
    "top_title": _("The %(count)s most active channels of %(total)s"),
    "top_title_short": _("The most active channels"),
    "top_note": _("Ranked by their mean value on your photo. Each picture is on its own scale: white is that "
                  "channel's highest value, black its lowest. Choose one to lay it over your photo."),
    "channel_n": _("channel %(index)s"),
    "channel_alt": _("Feature map of channel %(index)s"),
    "mean_short": _("mean %(value)s"),
    "channel_stats_short": _("channel %(index)s: mean %(mean)s, highest %(max)s"),
    "channel_over_photo": _("Channel %(index)s over your photo"),
    "overlay_note": _("Warm colours mark where this channel responds most strongly; where it is lowest the photo "
                      "shows through. The grid is stretched over the whole photo, as the network sees it."),
    "channel_stats": _("Mean %(mean)s · highest %(max)s · lowest %(min)s · above zero in %(active)s of the "
                       "cells."),
    "channel_number": _("Channel number"),
    "channel_range": _("Choose a channel from 0 to %(last)s."),
    "means_title": _("Every channel's mean value"),
    "means_note": _("One bar per channel: its mean over the grid for your photo. Blue: the most active ones shown "
                    "above; pink: the chosen one. Click a bar to choose its channel."),
    "means_chart": _("Bar chart of every channel's mean value"),
    "channel_axis": _("channel (number)"),
    "mean_axis": _("mean value (no unit)"),
    "chart_failed": _("The chart could not be drawn."),
}
ARCHITECTURE_WORDS = {
    "loading_architecture": _("Reading the model's layers…"),
    "parameter": _("%(count)s parameter"), "parameters": _("%(count)s parameters"),
}
RANK = {  # Spearman's rank correlation between two maps, in words
    "rho_strong": _("The two maps agree strongly (rank correlation %(rho)s)."),
    "rho_moderate": _("The two maps agree moderately (rank correlation %(rho)s)."),
    "rho_weak": _("The two maps agree only weakly (rank correlation %(rho)s)."),
    "rho_none": _("The two maps do not agree (rank correlation %(rho)s)."),
    "rho_opposite": _("The two maps point in opposite directions (rank correlation %(rho)s)."),
    "rho_undefined": _("The rank correlation cannot be computed: one of the maps is flat."),
    "rank_note": _("The rank correlation (Spearman) compares the order of the cells from most to least important "
                   "in both maps: 1 is the same order, 0 no relation, −1 the opposite order."),
}
MEASURES = {  # what a drop is measured on
    "measure_cat": _("the probability of cat"), "measure_dog": _("the probability of dog"),
    "measure_unusual": _("the unusual score"),
}
FAITHFULNESS = {  # the check beside every heatmap (lib/inside_faithfulness.js): also for the cam and analyze widgets
    **MEASURES,
    "points": COMMON["points"],
    "faithful_title": _("Does the heatmap point at what the model used?"),
    "faithful_hot": _("Hiding the heatmap's hottest %(fraction)s of the photo: %(what)s goes from %(baseline)s to "
                      "%(probability)s (%(drop)s)."),
    "faithful_cold": _("Hiding its coldest %(fraction)s: %(what)s goes from %(baseline)s to %(probability)s "
                       "(%(drop)s)."),
    "faithful_yes": _("It passes: hiding what the heatmap marks hurts the answer more than hiding what it leaves "
                      "out."),
    "faithful_no": _("It fails on this photo: hiding what the heatmap marks hurts the answer no more than hiding "
                     "what it leaves out, so the map does not show what the model used."),
}
FILLS = {
    "fill": _("Hidden parts become"),
    "fill_mean": _("the photo's average colour"), "fill_blur": _("a blurred copy"), "fill_grey": _("grey"),
}

STRINGS = {
    "architecture": {
        **COMMON, **FAMILIES, **FEATURE_MAPS, **ARCHITECTURE_WORDS,
        "totals": _("%(params)s parameters (numbers learnt in training) in %(layers)s layers · input: %(input)s "
                    "(pixels × pixels × colours)"),
        "totals_learnt": _("%(params)s parameters in %(layers)s layers, %(learnt)s of them learnt in training (the "
                           "others are batch normalisation's running means and variances, measured on the data) · "
                           "input: %(input)s (pixels × pixels × colours)"),
        "learnt_of": _("(%(count)s learnt)"),
        "diagram_note": _("From the input (top) to the answer (bottom). Each line shows what a group of layers "
                          "outputs: height × width × channels. The squares show how the grid shrinks, the bars how "
                          "the channels grow. Open a group to see its layers."),
        "group_input": _("Input"), "group_stem": _("Stem (first convolution)"), "group_block": _("Block %(n)s"),
        "group_conv": _("Convolution block %(n)s"), "group_head": _("Head (last convolution)"),
        "group_classifier": _("Classifier"),
        "blocks_range": _("%(first)s to %(last)s"),
        "repeat_title": _("Blocks with the same layers, repeated (their weights differ)"),
        "repeat_of": _("same layers as %(of)s"),
        "maps_badge": _("maps"),
        "open_maps": _("Show this layer's feature maps for your photo"),
        "pick_layer": _("Click a layer marked “maps” to see its feature maps for your photo."),
        "open_all": _("Open all"), "close_all": _("Close all"),
        "first_conv_title": _("Where the first layer is"),
        "first_conv": _("The first convolution is %(layer)s; its activation is %(activation)s. Its input is "
                        "%(input)s: your photo's pixels rescaled to the numbers the network was trained on."),
    },
    "feature-maps": {
        **COMMON, **FEATURE_MAPS, **ARCHITECTURE_WORDS,
        "layer": _("Layer"),
        "layer_position": _("%(count)s layers of %(model)s have feature maps; they are numbered from the input."),
        "layer_missing": _("This model has no layer “%(name)s” with feature maps; here is one halfway through the "
                           "network."),
        "no_maps": _("This model has no layer with feature maps."),
    },
    "filters": {
        **COMMON, **LEGEND,
        "computing_filters": _("Reading the first layer's filters and running your photo through it…"),
        "filters_title": _("The first layer's filters"),
        "filters_intro": _("The first layer (%(layer)s) has %(count)s filters. Each is a small %(kh)s × %(kw)s "
                           "patch of weights for red, green and blue that slides over the photo %(stride)s pixels at "
                           "a time; beside each one, where in your photo it responds."),
        "colours_note": _("In a filter's picture, mid-grey is a weight of zero; a colour brighter than grey is a "
                          "positive weight for it, darker a negative one. Each filter is on its own scale."),
        "filter_n": _("filter %(index)s"),
        "filter_title": _("Filter %(index)s: show its response over your photo"),
        "kernel_alt": _("Weights of filter %(index)s"),
        "response_alt": _("Response of filter %(index)s to your photo"),
        "mean_short": FEATURE_MAPS["mean_short"],
        "sort_by_mean": _("Most active first"),
        "kernel_big_note": _("Its %(kh)s × %(kw)s weights, enlarged: each square is one weight per colour."),
        "to_neuron": _("See one neuron of this filter compute"),
    },
    "neuron": {
        **COMMON,
        "computing_filters": _("Reading the first layer's filters and running your photo through it…"),
        "computing_neuron": _("Computing this neuron…"),
        "neuron_how": _("A neuron of the first layer (%(layer)s, then its activation %(activation)s) looks at a "
                        "small patch of the photo. Choose a channel, then click a cell of its feature map over the "
                        "photo: you will see how that one number is computed, with the real numbers."),
        "channel": _("Channel (filter)"),
        "channel_option": _("channel %(index)s (mean %(mean)s)"),
        "compute": _("Compute"),
        "strongest_cell": _("The strongest cell"),
        "click_note": _("x is the column and y the row of the cell, counted from 0 at the top left."),
        "cell_range": _("Choose a cell with x from 0 to %(width)s and y from 0 to %(height)s."),
        "pick_cell": _("Click a cell of the feature map to see its arithmetic."),
        "neuron_intro": _("Channel %(channel)s at x = %(x)s, y = %(y)s of %(activation)s."),
        "step_title": _("Step %(n)s of %(total)s: %(name)s"),
        "title_patch": _("the input patch"), "title_kernel": _("the kernel"), "title_products": _("the products"),
        "title_sum": _("the sum"), "title_bias": _("the bias"), "title_activation": _("the activation"),
        "title_check": _("the check"),
        "step_patch": _("The filter looks at %(k1)s × %(k2)s pixels of the %(height)s × %(width)s input, from row "
                        "%(top)s and column %(left)s, each with three colours."),
        "patch_pixels": _("The pixels of the patch"),
        "padding": _("padding: outside the photo"),
        "padding_note": _("Crossed squares fall outside the photo (padding): their value is 0."),
        "normalisation": _("The network does not read the pixels (0 to 255) directly: each becomes pixel × "
                           "%(scale)s %(offset)s. These are the numbers it reads, one table per colour:"),
        "pixel_to_value": _("row %(row)s, column %(column)s"),
        "colour_red": _("red"), "colour_green": _("green"), "colour_blue": _("blue"),
        "step_kernel": _("The %(k1)s × %(k2)s × 3 weights of filter %(channel)s, learnt in training (pink: "
                         "positive, blue: negative)."),
        "step_products": _("Each input number times the weight in the same place: %(count)s products. Hover over a "
                           "cell to see the multiplication."),
        "step_sum": _("Adding up the %(count)s products: red %(red)s + green %(green)s + blue %(blue)s = %(sum)s."),
        "step_bias": _("Adding the bias: %(sum)s + %(bias)s = %(pre)s. This is the value before the activation."),
        "step_relu": _("The activation, ReLU: max(0, %(pre)s) = %(out)s."),
        "step_relu6": _("The activation, ReLU6: min(max(0, %(pre)s), 6) = %(out)s."),
        "relu_note": _("ReLU keeps positive numbers and turns negative ones into 0: the neuron is silent where the "
                       "pattern is absent."),
        "relu6_note": _("ReLU6 keeps numbers between 0 and 6: negative ones become 0, larger ones 6 (it suits "
                        "small integer arithmetic on phones)."),
        "check_match": _("Your arithmetic gives %(out)s; the network stored %(stored)s at this cell. They match "
                         "(difference %(diff)s)."),
        "check_differs": _("Your arithmetic gives %(out)s, but the network stored %(stored)s at this cell "
                           "(difference %(diff)s)."),
        "check_note": _("A tiny difference is rounding: the computer adds the same numbers in another order."),
        "next_step": _("Next step"), "show_all": _("Show all"), "start_again": _("Start again"),
        "steps_shown": _("%(shown)s of %(total)s steps shown"),
        "batchnorm_title": _("Why these are not the raw weights: batch normalisation is built in"),
        "batchnorm_note": _("After this convolution the network normalises each channel: it subtracts a mean μ, "
                            "divides by √(σ² + ε), multiplies by γ and adds β. That is a multiplication and an "
                            "addition, so it can be merged into the filter: kernel = weights × γ / √(σ² + ε) and "
                            "bias = β − μ × γ / √(σ² + ε). The kernel and bias above already include it, so the "
                            "result is the normalised value."),
        "batchnorm_numbers": _("For this channel: γ = %(gamma)s, β = %(beta)s, μ = %(mean)s, σ² = %(variance)s, "
                               "ε = %(epsilon)s."),
    },
    "occlusion": {
        **COMMON, **RANK, **FAITHFULNESS, **FILLS, **LIVE_OCCLUSION,
        "paint_title": _("Hide part of the photo yourself"),
        "paint_note": _("Paint over the photo (mouse, finger or pen), then press “Hide what I painted”: the network "
                        "answers the photo again with that part hidden."),
        "brush": _("Brush"), "brush_size": _("%(value)s px"),
        "invert": _("Hide everything except what I painted"),
        "hide_painted": _("Hide what I painted"), "clear": _("Clear"),
        "hiding": _("The network is answering the photo with that part hidden…"),
        "before": _("before"), "after": _("after"), "change": _("change"),
        "unusual_score": _("unusual score"),
        "answer_changed": _("The answer changed: %(before)s → %(after)s."),
        "answer_same": _("The answer is still %(after)s."),
        "hidden_share": _("You hid %(hidden)s of the photo; %(overlap)s of the heatmap's weight was under it."),
        "erased_most": _("Yes: you erased most of what the model looked at."),
        "erased_part": _("Partly: you erased some of what the model looked at."),
        "erased_little": _("Hardly: most of what the model looked at is still visible."),
        "map_title": _("Let a patch slide over the photo"),
        "map_note": _("A square patch hides one part of the photo at a time; the map shows how much the answer drops "
                      "at each place. It measures directly what the model needs, without looking inside it."),
        "patch": _("Patch side (px)"), "stride": _("Step (px)"),
        "positions": _("%(rows)s × %(cols)s = %(count)s positions"),
        "too_many": _("%(rows)s × %(cols)s = %(count)s positions: at most %(max)s, choose a larger step."),
        "limits": _("Patch side from %(pmin)s to %(pmax)s px, step from %(smin)s to %(smax)s px (of the 224 × 224 "
                    "input)."),
        "run_map": _("Make the occlusion map"),
        "mapping": _("Hiding %(count)s patches one at a time…"),
        "map_caption": _("Occlusion map: where hiding the photo lowers the answer"),
        "cam_caption": _("The heatmap (CAM): where the model's last layer found evidence"),
        "heatmap_alt": _("Heatmap: warm colours mark the parts of the photo that pushed the decision towards the "
                         "answer"),
        "map_legend": _("the largest drop, %(drop)s"),
        "map_summary": _("Hiding one %(patch)s px patch at a time (%(rows)s × %(cols)s positions, every "
                         "%(stride)s px) lowers %(what)s, %(baseline)s with nothing hidden, by at most %(drop)s."),
        # xgettext:no-python-format
        "saturated": _("The model is so sure of its answer that hiding one patch barely moves the probability: "
                       "probabilities near 100 % change little even when the evidence behind them changes a lot. "
                       "Try a larger patch."),
        "checking": _("Hiding the hottest and the coldest parts of the heatmap…"),
        "faithful_note": _("If the heatmap shows what the model used, hiding the parts it marks hottest must hurt "
                           "the answer more than hiding the parts it leaves cold."),
    },
    "sanity-check": {
        **COMMON,
        "intro": _("Heatmaps can look convincing and mean little (Adebayo et al., “Sanity Checks for Saliency "
                   "Maps”, 2018). The test: destroy the model's weights, layer by layer from the top, and compute "
                   "the heatmap again each time. A map that barely changes when the weights are destroyed is not "
                   "explaining the model: it only shows the photo's outlines."),
        "how": _("Each step replaces the learnt weights of one more layer or block with random numbers. The number "
                 "under each map is its rank correlation with the original map: 1 is the same order of important "
                 "places, 0 no relation."),
        "run": _("Run the sanity check"),
        "starting": _("Starting…"),
        "running": _("%(stage)s: %(progress)s done"),
        "progress": _("Progress of the sanity check"),
        "waiting": _("No background process is running, so what you start here waits in the queue. Start one "
                     "with make run (or: celery -A eduai worker)."),
        "failed": _("It did not work. Try again."),
        "original": _("the real model"), "original_short": _("0: none"),
        "randomised_caption": _("step %(n)s: %(what)s randomised too"),
        "rho_short": _("ρ = %(rho)s"),
        "legend_high": _("each map's strongest cell"),
        "verdict_ok": _("The heatmap passes: after %(steps)s steps of destroyed weights it has changed (rank "
                        "correlation %(rho)s). It depends on what the model learnt."),
        "verdict_suspect": _("Be careful: even with %(steps)s steps of destroyed weights the heatmap stays similar "
                             "(rank correlation %(rho)s). It may show the photo more than the model's reasons."),
        "chart_label": _("Line chart of the rank correlation with the original map at each step"),
        "x_axis": _("layers randomised, from the top (cumulative)"),
        "y_axis": _("rank correlation (Spearman, −1 to 1)"),
        "series_cam": _("heatmap (CAM)"), "series_occlusion": _("occlusion map"),
        "chart_note": _("Each point: how much that step's map still agrees with the original map. A map that "
                        "explains the model falls towards 0 as more of the model is destroyed."),
        "chart_failed": FEATURE_MAPS["chart_failed"],
    },
}
