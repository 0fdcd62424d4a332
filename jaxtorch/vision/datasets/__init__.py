"""torchvision.datasets subset: MNIST, FashionMNIST, CIFAR10, FakeData, ImageFolder / DatasetFolder."""

from .cifar import CIFAR10
from .fakedata import FakeData
from .folder import DatasetFolder, ImageFolder
from .mnist import MNIST, FashionMNIST, read_image_file, read_label_file, read_sn3_pascalvincent_tensor
from .vision import VisionDataset

__all__ = ["CIFAR10", "DatasetFolder", "FakeData", "FashionMNIST", "ImageFolder", "MNIST", "VisionDataset",
           "read_image_file", "read_label_file", "read_sn3_pascalvincent_tensor"]
