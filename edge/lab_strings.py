"""The words of the compression lab (static/js/lib/edge_lab.js, on /edge/ and in the `edge-lab` widget) and of the
painted occlusion run live in the browser (static/js/lib/inside_paint.js::livePainting, in the occlusion widget).

`STRINGS` is merged into the edge page's strings (edge.views.page_strings) and the widget's
(lessons.widget_strings); `LIVE_OCCLUSION` into the occlusion widget's (inside.widget_strings).
"""
from django.utils.translation import gettext_lazy as _

STRINGS = {
    "lab_intro": _("The same photos run on your device twice: with the model's numbers as 32-bit floating point "
                   "(FP32, the server's) and as 8-bit integers (INT8, after quantization). You see whether your "
                   "browser gives the server's answers, what INT8 changes and how fast your device is. No photo is "
                   "sent to the server."),
    "lab_loading": _("Loading the lab…"),
    "lab_error": _("Something went wrong. Try again."),
    "lab_no_int8": _("This model version has no INT8 file: the lab measures FP32 only."),
    "lab_no_class": _("Log in and join a class to run the lab on your class's test split and to save your "
                      "measurement beside your classmates' devices. Here you can try it with your own photos."),
    "lab_source": _("Which photos"),
    "lab_source_test": _("Your class's test split (the server's answers are known)"),
    "lab_no_class_test": _("Only for members of a class."),
    "lab_source_own": _("Your own photos, chosen here"),
    "lab_choose_photos": _("Choose photos"),
    "lab_own_note": _("They stay on your device: only their hash (sha256) is sent, to ask for the "
                      "server's answer to photos it already has."),
    "lab_run": _("Run the lab"),
    "lab_stop": _("Stop"),
    "lab_progress_label": _("Progress of the lab"),
    "lab_loading_model": _("Loading the model in FP32 and INT8…"),
    "lab_fetching": _("Downloading the photos of the test split: %(done)s of %(total)s…"),
    "lab_running": _("Inference in your browser: photo %(done)s of %(total)s…"),
    "lab_done": _("Done: %(done)s photos of %(total)s."),
    "lab_stopped": _("Stopped: %(done)s photos of %(total)s measured."),
    "lab_choose_first": _("Choose one or more photos first."),
    "lab_no_photos": _("There are no photos to measure."),
    "lab_other_version": _("The server answered with %(server)s, but your browser runs %(browser)s: the agreement "
                           "compares two different models."),
    "lab_source_labelled": _("The active version was not trained in this class, so it has no test split of its "
                             "own: these are photos of the class with a settled label."),
    "lab_no_hash": _("This page is not secure (no HTTPS), so the browser cannot compute the photos' sha256: they "
                     "are compared FP32 in your browser against INT8 in your browser only."),
    "lab_server_answers_failed": _("The server's answers could not be asked for: %(message)s"),
    "lab_unknown_all": _("The server has never seen these photos: they are compared FP32 in your browser against "
                         "INT8 in your browser only (no agreement with the server)."),
    "lab_unknown_some": _("The server has never seen %(count)s of the %(total)s photos: those are compared only "
                          "FP32 in your browser against INT8 in your browser."),
    "lab_partial_server": _("The agreement with the server is measured on the %(known)s photos (of %(total)s) whose "
                            "server answer is known."),
    "lab_browser_only": _("No server answer is known for these photos: only INT8 against FP32, both in your "
                          "browser."),
    "lab_photo_failed": _("%(name)s: %(reason)s"),
    "lab_error_not_image": _("not an image the browser can read."),
    "lab_error_too_large": _("the file is too large."),
    "lab_error_too_many_pixels": _("the image has too many pixels."),
    "lab_results_title": _("%(count)s photos, model %(version)s"),
    "lab_fp32": _("FP32 (32-bit floating point)"),
    "lab_int8": _("INT8 (8-bit integers)"),
    "lab_agreement_server": _("Same answer as the server"),
    "lab_agreement_value": _("%(value)s (%(agreeing)s of %(total)s)"),
    "lab_no_server": _("not known"),
    "lab_max_diff_server": _("Largest difference in P(cat) from the server"),
    "lab_points": _("%(value)s points"),
    "lab_p50": _("Latency p50 (half the photos were faster)"),
    "lab_p90": _("Latency p90 (nine photos in ten were faster)"),
    "lab_ms": _("%(value)s ms"),
    "lab_bytes": _("Model file"),
    "lab_bytes_downloaded": _("%(size)s MB downloaded"),
    "lab_bytes_cached": _("%(size)s MB, from the browser's cache (nothing downloaded now)"),
    "lab_int8_vs_fp32": _("INT8 against FP32 (same answer · largest difference in P(cat))"),
    "lab_p_cat": _("P(cat) %(value)s"),
    "lab_provider": _("Execution provider: %(backend)s"),
    "lab_threads_one": _("1 thread"),
    "lab_threads_many": _("%(count)s threads"),
    "lab_reason_not_secure": _("one thread: the page is not secure (HTTPS)"),
    "lab_reason_not_isolated": _("one thread: the page is not cross-origin isolated"),
    "lab_reason_one_core": _("one thread: this device reports a single core"),
    "lab_cold_start": _("cold start %(value)s ms (loading the FP32 model and answering the first photo)"),
    "lab_no_flips": _("No photo changed its answer."),
    "lab_flips": _("Photos whose answer changed (%(count)s):"),
    "lab_flip_server": _("server: %(answer)s"),
    "lab_flip_fp32": _("FP32: %(answer)s (P(cat) %(cat)s)"),
    "lab_flip_int8": _("INT8: %(answer)s (P(cat) %(cat)s)"),
    "lab_label_cat": _("cat"),
    "lab_label_dog": _("dog"),
    "lab_label_unusual": _("unusual"),
    "lab_save_title": _("Save my measurement"),
    "lab_save_note": _("Only the numbers are saved for your class (times, agreement, threads, your browser's name): "
                       "no photo."),
    "lab_device": _("Your device's name"),
    "lab_device_placeholder": _("e.g. Ana's laptop"),
    "lab_save": _("Save my measurement"),
    "lab_saved": _("Saved: «%(device)s» is in your class's table."),
    "lab_cannot_save": _("Saving needs a class: log in and join one to add your device to its table."),
    "lab_devices_title": _("Your class's devices"),
    "lab_devices_note": _("Each row is one measurement of a classmate's phone or laptop. Speed-up: FP32 p50 ÷ "
                          "INT8 p50. Click a column to sort."),
    "lab_no_devices": _("No device measured yet: be the first."),
    "lab_col_device": _("Device"),
    "lab_col_version": _("Model"),
    "lab_col_images": _("Photos"),
    "lab_col_fp32": _("FP32 p50"),
    "lab_col_int8": _("INT8 p50"),
    "lab_col_speedup": _("Speed-up"),
    "lab_col_threads": _("Threads"),
    "lab_col_isolated": _("Cross-origin isolated"),
    "lab_col_created": _("Date"),
    "lab_col_author": _("Student"),
    "lab_images_test": _("%(count)s (test split)"),
    "lab_images_own": _("%(count)s (own photos)"),
    "lab_times": _("×%(value)s"),
    "lab_yes": _("yes"),
    "lab_no": _("no"),
    "lab_you": _("you"),
}

LIVE_OCCLUSION = {
    "live_switch": _("In my browser"),
    "live_note": _("Runs the model on your device while you paint: the answer changes with every stroke, and "
                   "nothing is sent to the server."),
    "live_loading": _("Loading the model in your browser…"),
    "live_loaded": _("Model in your browser: %(size)s MB downloaded · %(backend)s · %(threads)s threads."),
    "live_loaded_cache": _("Model in your browser: %(size)s MB from the browser's cache · %(backend)s · "
                           "%(threads)s threads."),
    "live_other_model": _("Your browser would run %(browser)s, not the version that answered this photo, so it "
                          "cannot repeat this answer."),
    "live_failed": _("The model could not run in your browser: %(message)s"),
    "live_whole": _("Whole photo"),
    "live_hidden": _("Painted part hidden"),
    "live_answer": _("In your browser: %(answer)s, with %(hidden)s of the photo hidden."),
    "live_count": _("%(count)s inferences in your browser; the last took %(value)s ms."),
}
