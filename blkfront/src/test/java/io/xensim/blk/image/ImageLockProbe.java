package io.xensim.blk.image;

import io.xensim.blk.image.RawImage.OpenMode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The other process of the image-lock tests, started in its own JVM by {@link ChildJvm}. {@code hold <image>}
 * opens the image read-write, prints {@code locked <pid>} and keeps it until its stdin ends, then prints
 * {@code released}. {@code try <image>} attempts a read-write open and prints {@code opened} or {@code refused
 * <message>}.
 */
public final class ImageLockProbe {
    private ImageLockProbe() {
    }

    public static void main(String[] args) throws IOException {
        Path image = Path.of(args[1]);
        switch (args[0]) {
            case "hold" -> {
                try (RawImage held = RawImage.open(image, OpenMode.READ_WRITE)) {
                    System.out.println("locked " + ProcessHandle.current().pid());
                    System.out.flush();
                    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                }
                System.out.println("released");
            }
            case "try" -> {
                try (RawImage opened = RawImage.open(image, OpenMode.READ_WRITE)) {
                    System.out.println("opened");
                } catch (ImageLockedException e) {
                    System.out.println("refused " + e.getMessage());
                }
            }
            default -> throw new IllegalArgumentException("mode: " + args[0] + " (expected: hold or try)");
        }
        System.out.flush();
    }
}
