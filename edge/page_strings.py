"""The words the edge page's JavaScript shows (static/js/edge_page.js, and the analyze page's "In my browser"
switch), passed with `json_script`. Where the analyze page already says the same thing, the same msgid is used,
so both read alike (this module cannot import lessons.widget_strings, which imports it)."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ANSWER = {  # the answer, worded as on the analyze page
    "label_cat": _("cat"),
    "label_dog": _("dog"),
    "answer_unusual": _("unusual"),
    "says": _("The network says:"),
    "model": _("Model"),
    "percent_unusual": _("Unusual score: %(score)s. From %(threshold)s (the unusual threshold) the answer is "
                         "“unusual”."),
    "heatmap_caption": _("Which parts of the photo pushed the decision towards “%(what)s” rather than "
                         "“%(against)s”, on a coarse %(rows)s × %(columns)s grid (each cell covers a large patch "
                         "of the photo). Parts that pushed the other way are left transparent."),
    "heatmap_caption_unusual": _("The answer is “unusual”, so the map explains something else: which parts of the "
                                 "photo pushed the network towards “%(what)s” rather than “%(against)s”, on a "
                                 "coarse %(rows)s × %(columns)s grid. Parts that pushed the other way are left "
                                 "transparent."),
    "legend_fixed": _("%(value)s logits per cell or more"),
    "legend_photo": _("%(value)s logits per cell (this photo's strongest cell)"),
    "scale_fixed": _("The same scale for every photo: full red is a cell that adds %(full)s or more to the "
                     "log-odds of the answer, so a weak map stays faint."),
    "scale_photo": _("This photo's own scale: the map is divided by its strongest cell, so red marks this "
                     "photo's strongest evidence however weak it is. Compare photos on the other scale."),
    "tags_disagree": _("The ImageNet network behind the tags leans towards “%(group)s”; the answer above "
                       "comes from %(model)s."),
    "cam": _("How the map is computed: the model's last feature maps (%(rows)s × %(columns)s cells) times the "
             "final layer's weights give one map per class (Class Activation Map). The heatmap is the map of "
             "“%(what)s” minus that of “%(against)s” (weighted by their probabilities when they are groups "
             "of ImageNet classes), divided by the number of cells: each cell's share of the log-odds. Summed "
             "over the cells: %(sum)s logits. With one class on each side that is their logit difference "
             "without the final layer's biases; for groups of ImageNet classes, a first-order "
             "approximation of it."),
    "ms": _("%(value)s ms"),
    "mb": _("%(value)s MB"),
    "error": _("Something went wrong. Try again."),
}

EDGE = {  # the model on the device: which one, its download, its runtime
    "model_global": _("the global model (no class: the pretrained model everyone starts with)"),
    "model_class": _("the active model of your class %(class)s"),
    "version_line": _("%(label)s, %(whose)s"),
    "asking": _("Asking the server which model to run…"),
    "downloading": _("Downloading the model (%(precision)s): %(done)s of %(total)s"),
    "downloaded": _("%(precision)s: %(size)s downloaded in %(time)s, now saved in this browser."),
    "from_cache": _("%(precision)s: %(size)s from the cache of this browser (nothing downloaded)."),
    "preparing": _("Preparing the model (%(precision)s)…"),
    "ready": _("Ready: choose a photo."),
    "load_error": _("This browser could not run the model (%(code)s). Reload the page to try again."),
    "load_download": _("The model file could not be downloaded. Reload the page to try again."),
    "load_offline": _("The model file could not be downloaded: you seem to be offline. Reload the page once you "
                      "are online."),
    "load_checksum": _("The downloaded model file is damaged (its sha256 is not the one the server announced). "
                       "Reload the page to download it again."),
    "int8_missing": _("This version has no INT8 file (it was made before every version got one), so only FP32 "
                      "runs here."),
    "runtime": _("Execution provider: %(backend)s · %(threads)s"),
    "threads_one": _("1 thread"),
    "threads_many": _("%(count)s threads"),
    "threads_on": _("Several threads work on each photo: the page is cross-origin isolated, so the browser lets "
                    "them share memory."),
    "threads_not_secure": _("Only one thread: the page is not in a secure context (HTTPS or this same device), so "
                            "the browser does not let threads share memory."),
    "threads_not_isolated": _("Only one thread: the page is not cross-origin isolated (the server did not send "
                              "the COOP and COEP headers), so the browser does not let threads share memory."),
    "threads_one_core": _("Only one thread: your device reports a single processor core, so more threads would "
                          "not be faster."),
    "cold_start": _("Cold start: %(time)s, from asking for the model to its first answer (download or cache, "
                    "preparation and a first run)."),
    "analyzing": _("Analyzing on your device…"),
    "answered": _("Answered in %(time)s on your device: preprocessing, inference and answer (%(precision)s, "
                  "%(backend)s, %(threads)s)."),
    "private": _("Your photo has not left your device: the model runs here, in your browser, and nothing was "
                 "sent to the server."),
    "photo_alt": _("The chosen photo"),
    "heatmap_alt": _("Heatmap: warm colours mark the parts of the photo that pushed the decision towards the "
                     "answer"),
    "newer": _("There is a newer version of the model: %(version)s. This page still runs the one saved in this "
               "browser, %(saved)s."),
    "load_newer": _("Load the newer version"),
    "offline": _("You are offline: the page runs the version saved in this browser, %(version)s."),
    "offline_ready": _("Saved in this browser: the page also works offline."),
    "offline_unavailable": _("This browser cannot keep the page for offline use."),
    "no_model_offline": _("You are offline and this browser has no saved model yet: open this page once while "
                          "online."),
}

ERRORS = {  # a photo the browser refuses (EdgeInputError codes of static/js/lib/pixels.js)
    "error_not_image": _("That file is not an image the browser can read (JPEG, PNG, GIF, WebP or BMP)."),
    "error_too_large": _("That file is too large: photos of up to 10 MB can be analyzed."),
    "error_too_many_pixels": _("That image has too many pixels (more than %(millions)s million): choose a smaller photo."),
}

ANALYZE_SWITCH = {  # the analyze page's "In my browser" switch
    "edge_loading": _("Loading the model into your browser…"),
    "edge_note": _("Analyzed in your browser: the photo was not sent and nothing was saved. To label it, share it "
                   "or look inside it, switch off “In my browser” and send the photo to the server."),
    "edge_model": _("%(label)s, in your browser (%(precision)s)"),
}

STRINGS = {**ANSWER, **EDGE, **ERRORS, **ANALYZE_SWITCH}
