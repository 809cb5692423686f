package org.squeezebertmobile.core.tokenizer;

import java.util.Arrays;

/** A growable int array; the tokenizer's inner loops avoid boxing with it. */
public final class IntList {
  private int[] data;
  private int size;

  public IntList() {
    this(16);
  }

  public IntList(int capacity) {
    data = new int[Math.max(4, capacity)];
  }

  public void add(int value) {
    if (size == data.length) {
      data = Arrays.copyOf(data, size * 2);
    }
    data[size++] = value;
  }

  public void addAll(int[] values) {
    for (int v : values) {
      add(v);
    }
  }

  public int get(int index) {
    if (index < 0 || index >= size) {
      throw new IndexOutOfBoundsException("index " + index + ", size " + size);
    }
    return data[index];
  }

  public void set(int index, int value) {
    if (index < 0 || index >= size) {
      throw new IndexOutOfBoundsException("index " + index + ", size " + size);
    }
    data[index] = value;
  }

  public int size() {
    return size;
  }

  public void clear() {
    size = 0;
  }

  public int[] toArray() {
    return Arrays.copyOf(data, size);
  }
}
