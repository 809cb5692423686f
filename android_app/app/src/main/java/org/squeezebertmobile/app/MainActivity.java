package org.squeezebertmobile.app;

import android.app.Activity;
import android.graphics.Typeface;
import android.os.Bundle;
import android.os.Handler;
import android.os.Looper;
import android.text.SpannableStringBuilder;
import android.text.Spanned;
import android.text.style.BackgroundColorSpan;
import android.text.style.StyleSpan;
import android.view.View;
import android.widget.AdapterView;
import android.widget.ArrayAdapter;
import android.widget.Button;
import android.widget.EditText;
import android.widget.RadioGroup;
import android.widget.Spinner;
import android.widget.TextView;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.squeezebertmobile.core.tasks.EntitySpan;
import org.squeezebertmobile.core.tasks.LabelScore;
import org.squeezebertmobile.core.tasks.MaskPrediction;
import org.squeezebertmobile.core.tasks.TokenScore;
import org.squeezebertmobile.core.tokenizer.Encoding;

/**
 * The demo screen: pick a mode (fill-mask, news, NER) and a model, type text, run.
 *
 * <p>Model loading and inference run on one background thread; the UI thread only renders.
 * Everything between text and result (tokenization, post-processing) is in {@code core}.
 */
public final class MainActivity extends Activity {
  /** Threads for interactive inference: a few cores without starving the UI. */
  private static final int DEMO_THREADS =
      Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

  /** The three modes and the task directory name each one reads. */
  private enum Mode {
    FILL_MASK("mlm", R.string.sample_fill_mask),
    NEWS("news", R.string.sample_news),
    NER("ner", R.string.sample_ner);

    final String task;
    final int sample;

    Mode(String task, int sample) {
      this.task = task;
      this.sample = sample;
    }
  }

  /**
   * The worker thread and the model it holds, handed from one activity instance to the next
   * across a configuration change (rotation) with {@link #onRetainNonConfigurationInstance}, so
   * exactly one model stays loaded: the new instance takes it over instead of loading a second
   * copy while the old one is still being closed.
   */
  private static final class Engine {
    final ExecutorService worker = Executors.newSingleThreadExecutor();
    TaskSession session; // touched on the worker thread only

    void close() {
      if (session != null) {
        session.close();
        session = null;
      }
    }
  }

  private Engine engine;
  private ExecutorService worker;
  private final Handler ui = new Handler(Looper.getMainLooper());
  private ModelLocator locator;

  private Mode mode = Mode.FILL_MASK;
  private Spinner models;
  private EditText input;
  private Button run;
  private TextView notice;
  private TextView latency;
  private TextView result;

  @Override
  protected void onCreate(Bundle savedInstanceState) {
    super.onCreate(savedInstanceState);
    Object kept = getLastNonConfigurationInstance();
    engine = kept instanceof Engine ? (Engine) kept : new Engine();
    worker = engine.worker;
    setContentView(R.layout.activity_main);
    locator = new ModelLocator(this);
    models = findViewById(R.id.models);
    input = findViewById(R.id.input);
    run = findViewById(R.id.run);
    notice = findViewById(R.id.notice);
    latency = findViewById(R.id.latency);
    result = findViewById(R.id.result);

    RadioGroup modes = findViewById(R.id.modes);
    modes.setOnCheckedChangeListener((group, id) -> selectMode(modeFor(id)));
    run.setOnClickListener(v -> runInference());
    models.setOnItemSelectedListener(
        new AdapterView.OnItemSelectedListener() {
          @Override
          public void onItemSelected(AdapterView<?> parent, View view, int pos, long id) {
            clearOutput();
          }

          @Override
          public void onNothingSelected(AdapterView<?> parent) {}
        });
    modes.check(R.id.mode_fill_mask);
  }

  @Override
  public Object onRetainNonConfigurationInstance() {
    return engine;
  }

  @Override
  protected void onDestroy() {
    if (!isChangingConfigurations()) { // a rotation hands the engine to the next instance
      Engine finished = engine;
      worker.execute(finished::close);
      worker.shutdown();
    }
    super.onDestroy();
  }

  private static Mode modeFor(int viewId) {
    if (viewId == R.id.mode_news) {
      return Mode.NEWS;
    }
    if (viewId == R.id.mode_ner) {
      return Mode.NER;
    }
    return Mode.FILL_MASK;
  }

  private void selectMode(Mode selected) {
    mode = selected;
    input.setText(selected.sample);
    clearOutput();
    models.setAdapter(null);
    run.setEnabled(false);
    worker.execute(
        () -> {
          List<ModelLocator.Choice> found = locator.find(selected.task);
          ui.post(() -> showChoices(selected, found));
        });
  }

  private void showChoices(Mode selected, List<ModelLocator.Choice> found) {
    if (selected != mode) {
      return; // the user switched modes meanwhile
    }
    ArrayAdapter<ModelLocator.Choice> adapter =
        new ArrayAdapter<>(this, android.R.layout.simple_spinner_item, found);
    adapter.setDropDownViewResource(android.R.layout.simple_spinner_dropdown_item);
    models.setAdapter(adapter);
    run.setEnabled(!found.isEmpty());
    if (found.isEmpty()) {
      showNotice(getString(R.string.no_model, selected.task, ModelLocator.DEVICE_ROOT));
    }
  }

  private void runInference() {
    ModelLocator.Choice choice = (ModelLocator.Choice) models.getSelectedItem();
    String text = input.getText().toString();
    if (choice == null) {
      return;
    }
    if (text.trim().isEmpty()) {
      showNotice(getString(R.string.empty_input));
      return;
    }
    if (mode == Mode.FILL_MASK && !text.contains("[MASK]")) {
      showNotice(getString(R.string.no_mask));
      return;
    }
    clearOutput();
    run.setEnabled(false);
    latency.setText(getString(R.string.loading, choice.label));
    worker.execute(
        () -> {
          try {
            TaskSession loaded = sessionFor(choice);
            ui.post(() -> latency.setText(R.string.running));
            TaskSession.Output output = loaded.run(text);
            ui.post(() -> show(loaded, output));
          } catch (Exception | LinkageError e) {
            // A missing/corrupt file or a runtime error is shown, never a crash.
            String message = e.getMessage() != null ? e.getMessage() : e.toString();
            ui.post(() -> showError(message));
          }
        });
  }

  /** The loaded session for {@code choice}, replacing (and freeing) any other. Worker only. */
  private TaskSession sessionFor(ModelLocator.Choice choice) throws Exception {
    if (engine.session != null && engine.session.choice.file.equals(choice.file)) {
      return engine.session;
    }
    engine.close(); // free the old model before loading the next: one in memory at a time
    engine.session = new TaskSession(choice, DEMO_THREADS);
    return engine.session;
  }

  private void show(TaskSession loaded, TaskSession.Output out) {
    run.setEnabled(true);
    Encoding enc = out.encoding;
    if (enc.isTruncated()) {
      showNotice(getString(R.string.truncated, enc.length(), enc.untruncatedLength(),
          loaded.config.maxLength()));
    }
    latency.setText(getString(R.string.latency, out.forwardMs, enc.length(), loaded.loadMs,
        loaded.numThreads));
    switch (loaded.config.taskType()) {
      case FILL_MASK:
        result.setText(renderMasks(out.masks));
        break;
      case SEQUENCE_CLASSIFICATION:
        result.setText(renderLabels(out.labels));
        break;
      case TOKEN_CLASSIFICATION:
        result.setText(renderEntities(out.text, out.entities));
        break;
    }
  }

  private static CharSequence renderMasks(List<MaskPrediction> masks) {
    SpannableStringBuilder sb = new SpannableStringBuilder();
    for (int m = 0; m < masks.size(); m++) {
      appendBold(sb, String.format(Locale.ROOT, "[MASK] %d of %d (token %d)%n", m + 1,
          masks.size(), masks.get(m).position()));
      List<TokenScore> top = masks.get(m).candidates();
      for (int k = 0; k < top.size(); k++) {
        sb.append(String.format(Locale.ROOT, "  %d. %-16s %6.2f%%%n", k + 1, top.get(k).token(),
            100 * top.get(k).probability()));
      }
    }
    return sb;
  }

  private static CharSequence renderLabels(List<LabelScore> labels) {
    StringBuilder sb = new StringBuilder();
    for (LabelScore s : labels) {
      sb.append(String.format(Locale.ROOT, "%-14s %6.2f%%  ", s.label(), 100 * s.probability()));
      for (int i = 0; i < Math.round(20 * s.probability()); i++) {
        sb.append('█');
      }
      sb.append('\n');
    }
    return sb;
  }

  private CharSequence renderEntities(String text, List<EntitySpan> entities) {
    SpannableStringBuilder sb = new SpannableStringBuilder(text);
    for (EntitySpan e : entities) {
      sb.setSpan(new BackgroundColorSpan(colorFor(e.type())), e.start(), e.end(),
          Spanned.SPAN_EXCLUSIVE_EXCLUSIVE);
    }
    sb.append("\n\n");
    if (entities.isEmpty()) {
      sb.append(getString(R.string.no_entities));
    }
    for (EntitySpan e : entities) {
      int start = sb.length();
      sb.append(e.type());
      sb.setSpan(new BackgroundColorSpan(colorFor(e.type())), start, sb.length(),
          Spanned.SPAN_EXCLUSIVE_EXCLUSIVE);
      sb.append("  ").append(e.text()).append('\n');
    }
    return sb;
  }

  private int colorFor(String type) {
    int id;
    switch (type) {
      case "PER":
        id = R.color.entity_per;
        break;
      case "ORG":
        id = R.color.entity_org;
        break;
      case "LOC":
        id = R.color.entity_loc;
        break;
      case "MISC":
        id = R.color.entity_misc;
        break;
      default:
        id = R.color.entity_other;
    }
    return getColor(id);
  }

  private static void appendBold(SpannableStringBuilder sb, String text) {
    int start = sb.length();
    sb.append(text);
    sb.setSpan(new StyleSpan(Typeface.BOLD), start, sb.length(), Spanned.SPAN_EXCLUSIVE_EXCLUSIVE);
  }

  private void clearOutput() {
    notice.setVisibility(View.GONE);
    latency.setText("");
    result.setText("");
  }

  private void showNotice(String message) {
    notice.setText(message);
    notice.setVisibility(View.VISIBLE);
  }

  private void showError(String message) {
    run.setEnabled(models.getSelectedItem() != null);
    latency.setText("");
    showNotice(getString(R.string.error, message));
  }
}
