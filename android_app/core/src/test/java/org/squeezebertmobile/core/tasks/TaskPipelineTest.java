package org.squeezebertmobile.core.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.squeezebertmobile.core.Fixtures;
import org.squeezebertmobile.core.tokenizer.Encoding;
import org.squeezebertmobile.core.tokenizer.Vocab;
import org.squeezebertmobile.core.tokenizer.WordPieceTokenizer;

/** Decoding a benchmark example's ids back to request text, with the real BERT vocabulary. */
class TaskPipelineTest {
  @Test
  void decodedIdsReTokenizeToTheSameIdsAndMaskedPositionsBecomeMaskTokens() throws IOException {
    Vocab vocab = Fixtures.vocab();
    WordPieceTokenizer tokenizer = new WordPieceTokenizer(vocab);
    Encoding original = tokenizer.encode("EU rejects German call to boycott SqueezeBERT lamb", 64);
    assertEquals(
        "##bert", vocab.token(original.ids()[8]), "a word piece that decoding must glue back");
    String text = TaskPipeline.decode(original.ids(), null, vocab);
    assertEquals("eu rejects german call to boycott squeezebert lamb", text);
    assertArrayEquals(original.ids(), tokenizer.encode(text, 64).ids());

    String masked = TaskPipeline.decode(original.ids(), new long[] {2, 4}, vocab);
    assertEquals("eu [MASK] german [MASK] to boycott squeezebert lamb", masked);
    int[] ids = tokenizer.encode(masked, 64).ids();
    assertEquals(vocab.maskId(), ids[2]);
    assertEquals(vocab.maskId(), ids[4]);
    assertEquals(original.ids().length, ids.length);
  }
}
