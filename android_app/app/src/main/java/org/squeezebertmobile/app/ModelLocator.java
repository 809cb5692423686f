package org.squeezebertmobile.app;

import android.content.Context;
import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.squeezebertmobile.core.bench.ModelRuntime;

/**
 * Finds exported task directories on the phone.
 *
 * <p>Layout (the one {@code python -m runtime_bench --adb} pushes): {@code
 * ROOT/<model-tag>/<task>/} holding {@code task.json}, {@code vocab.txt} and the {@code .pte}
 * and {@code .tflite} files (each a choice: the file's runtime is the demo's runtime switch). Two roots are searched, in order: {@code /data/local/tmp/squeezebert-mobile} (adb push
 * needs no permission there) and the app's external files directory {@code
 * /sdcard/Android/data/org.squeezebertmobile.app/files/models} (always readable by the app). The
 * APK bundles no model, so models can be swapped without rebuilding.
 */
final class ModelLocator {
  static final String DEVICE_ROOT = "/data/local/tmp/squeezebert-mobile";

  /** One runnable choice: a .pte or .tflite inside a task directory. */
  static final class Choice {
    final File taskDir;
    final File file;
    final String label;

    Choice(File taskDir, File file, String label) {
      this.taskDir = taskDir;
      this.file = file;
      this.label = label;
    }

    @Override
    public String toString() {
      return label; // shown by the Spinner's ArrayAdapter
    }
  }

  private final List<File> roots = new ArrayList<>();

  ModelLocator(Context context) {
    roots.add(new File(DEVICE_ROOT));
    File external = context.getExternalFilesDir("models");
    if (external != null) {
      roots.add(external);
    }
  }

  /** Every model file (.pte, .tflite) of every {@code <model-tag>/<task>} directory with a task.json, sorted. */
  List<Choice> find(String task) {
    List<Choice> choices = new ArrayList<>();
    for (File root : roots) {
      File[] tags = root.listFiles(File::isDirectory);
      if (tags == null) {
        continue;
      }
      Arrays.sort(tags);
      for (File tag : tags) {
        File taskDir = new File(tag, task);
        if (!new File(taskDir, "task.json").isFile()) {
          continue;
        }
        File[] files = taskDir.listFiles((dir, name) -> ModelRuntime.forFile(name) != null);
        if (files == null) {
          continue;
        }
        Arrays.sort(files);
        for (File file : files) {
          choices.add(new Choice(taskDir, file, tag.getName() + " · " + file.getName()));
        }
      }
    }
    return choices;
  }
}
