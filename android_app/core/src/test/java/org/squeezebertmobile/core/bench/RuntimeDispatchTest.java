package org.squeezebertmobile.core.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.squeezebertmobile.core.json.Json;

/** Model files reach the runtime that reads their extension; both kinds are benchmarked. */
class RuntimeDispatchTest {
  /** A stand-in for a runtime (the JVM has neither ExecuTorch nor LiteRT): records loads. */
  private static final class Recording implements InferenceBackend {
    final List<String> loaded = new ArrayList<>();
    final String api;

    Recording() {
      this(null);
    }

    Recording(String api) {
      this.api = api;
    }

    @Override
    public String api(Path model) {
      return api;
    }

    @Override
    public Session<long[]> load(Path model, int numThreads) {
      loaded.add(model.getFileName() + " threads=" + numThreads);
      return new Session<long[]>() {
        @Override
        public long[] prepare(long[] ids, long[] mask, long[] maskPositions) {
          return ids;
        }

        @Override
        public void forward(long[] input) {}

        @Override
        public float[] logits(long[] input) {
          return new float[input.length];
        }

        @Override
        public void close() {}
      };
    }
  }

  @Test
  void eachFileGoesToTheRuntimeOfItsExtensionWithTheRequestedThreads() throws Exception {
    Recording executorch = new Recording();
    Recording litert = new Recording();
    RuntimeDispatch dispatch =
        new RuntimeDispatch(
            Map.of(ModelRuntime.EXECUTORCH, executorch, ModelRuntime.LITERT, litert));
    dispatch.load(Paths.get("/m/squeezebert_xnnpack_q8.pte"), 1).close();
    dispatch.load(Paths.get("/m/squeezebert_litert_int8.tflite"), 1).close();
    assertEquals(List.of("squeezebert_xnnpack_q8.pte threads=1"), executorch.loaded);
    assertEquals(List.of("squeezebert_litert_int8.tflite threads=1"), litert.loaded);
  }

  @Test
  void everyEntryRecordsTheApiOfTheBackendThatRanItsFile(@TempDir Path dir) throws Exception {
    RuntimeDispatch dispatch =
        new RuntimeDispatch(
            Map.of(
                ModelRuntime.EXECUTORCH, new Recording(),
                ModelRuntime.LITERT, new Recording("CompiledModel")));
    BenchmarkRunnerTest.taskDir(dir, "a_xnnpack_q8.pte", "b_litert_int8.tflite");
    BenchmarkReport report =
        new BenchmarkRunner(dispatch, () -> 0L)
            .run(dir, new BenchmarkConfig(2, 0, 1, 16), BenchmarkRunnerTest.DEVICE, null);
    Map<String, Set<Object>> apis = new TreeMap<>();
    for (Map<String, Object> entry : report.entries()) {
      Map<String, Object> model = Json.object(entry.get("benchmarkModel"), "benchmarkModel");
      apis.computeIfAbsent((String) model.get("file"), f -> new HashSet<>())
          .add(model.getOrDefault("runtimeApi", "absent"));
    }
    assertEquals(
        Map.of("a_xnnpack_q8.pte", Set.of("absent"), "b_litert_int8.tflite",
            Set.of("CompiledModel")),
        apis);
    assertEquals("CompiledModel", dispatch.api(Paths.get("b_litert_int8.tflite")));
    assertNull(dispatch.api(Paths.get("model.onnx")));
  }

  @Test
  void aFileNoRuntimeReadsFailsWithAStatusNotACrash() {
    RuntimeDispatch dispatch = new RuntimeDispatch(Map.of(ModelRuntime.EXECUTORCH, new Recording()));
    InferenceBackend.BackendException e =
        assertThrows(
            InferenceBackend.BackendException.class,
            () -> dispatch.load(Paths.get("m_litert_int8.tflite"), 1));
    assertEquals(RuntimeDispatch.STATUS_NOT_SUPPORTED, e.status());
    assertNull(ModelRuntime.forFile("model.onnx"));
  }

  @Test
  void aFileNoRuntimeReadsIsNamedWithTheExtensionsThisAppReads() {
    RuntimeDispatch dispatch =
        new RuntimeDispatch(
            Map.of(ModelRuntime.LITERT, new Recording(), ModelRuntime.EXECUTORCH, new Recording()));
    InferenceBackend.BackendException e =
        assertThrows(
            InferenceBackend.BackendException.class,
            () -> dispatch.load(Paths.get("/d/squeezebert_onnx_q8.onnx"), 1));
    assertEquals(
        "no runtime in this app reads squeezebert_onnx_q8.onnx: pick a .pte or .tflite file",
        e.getMessage());
  }

  @Test
  void aLoadedSessionReturnsTheLogitsOfTheRuntimeThatOpenedTheFile() throws Exception {
    // The demo's path: load the picked file, prepare its inputs, read its logits back.
    Recording executorch = new Recording();
    Recording litert = new Recording();
    RuntimeDispatch dispatch =
        new RuntimeDispatch(
            Map.of(ModelRuntime.EXECUTORCH, executorch, ModelRuntime.LITERT, litert));
    float[] logits = logitsOf(dispatch.load(Paths.get("/m/sq_litert_q8.tflite"), 1));
    assertEquals(3, logits.length);
    assertEquals(List.of("sq_litert_q8.tflite threads=1"), litert.loaded);
    assertEquals(List.of(), executorch.loaded);
  }

  private static <I> float[] logitsOf(InferenceBackend.Session<I> session) throws Exception {
    try (session) {
      return session.logits(session.prepare(new long[] {101, 7, 102}, new long[3], null));
    }
  }

  @Test
  void theBenchmarkListsPteAndTfliteFilesSortedAndNothingElse(@TempDir Path dir)
      throws Exception {
    for (String name :
        new String[] {"b_litert_int8.tflite", "a_xnnpack_q8.pte", "model.onnx", "task.json"}) {
      Files.write(dir.resolve(name), new byte[] {1});
    }
    List<String> names = new ArrayList<>();
    for (Path p : BenchmarkRunner.modelFiles(dir)) {
      names.add(p.getFileName().toString());
    }
    assertEquals(List.of("a_xnnpack_q8.pte", "b_litert_int8.tflite"), names);
  }
}
